package slug;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Slugs for URLs: lower-case ASCII words and numbers joined by single hyphens. */
public final class Slugs {
    private static final Pattern WORD = Pattern.compile("[a-z0-9]+");

    private Slugs() {}

    public static String slugify(String text) {
        List<String> words = new ArrayList<>();
        Matcher matcher = WORD.matcher(text.toLowerCase(Locale.ROOT));
        while (matcher.find()) {
            words.add(matcher.group());
        }
        return String.join("-", words);
    }
}

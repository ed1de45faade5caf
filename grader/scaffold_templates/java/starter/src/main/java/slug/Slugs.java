package slug;

/** Slugs for URLs: see the statement. */
public final class Slugs {
    private Slugs() {}

    public static String slugify(String text) {
        throw new UnsupportedOperationException("not implemented");
    }
}

package slug;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class SlugTest {
    @Test
    void joinsWordsWithHyphens() {
        assertEquals("hello-world", Slugs.slugify("Hello, World!"));
    }

    @Test
    void keepsDigits() {
        assertEquals("route-66", Slugs.slugify("Route 66"));
    }
}

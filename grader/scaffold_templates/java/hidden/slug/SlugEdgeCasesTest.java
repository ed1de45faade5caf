package slug;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class SlugEdgeCasesTest {
    @Test
    void givesNothingForEmptyText() {
        assertEquals("", Slugs.slugify(""));
    }

    @Test
    void putsNoHyphenAtEitherEnd() {
        assertEquals("spaced-out", Slugs.slugify("  --Spaced out--  "));
    }
}

// The test JVM's entry point: JUnit's console launcher, with the hidden tests out of the
// submission's reach.
//
// Java is graded "shared": the submission's classes run in the JVM whose listener reports
// the outcomes. What keeps the outcomes the tests' own is that the submission can neither
// run nor read a hidden test (the red team's java-oracle-rerun found the calling test on
// the stack, ran it again reflectively with sentinel answers and returned what its failed
// assertion expected). So the two live in class loaders of their own:
//
//   the JDK and JUnit, the grader's listener     the application class loader
//     the submission (src/main/java)             CandidateLoader, a child of it
//       the hidden tests (and control tests)      HiddenLoader, a child of that
//
// - A loader sees its parents, never its children: the submission's classes cannot name a
//   hidden test (Class.forName from its own loader fails), while the tests use the
//   submission as before.
// - A runtime package is a package name in one loader, so a hidden test class is never in
//   the submission's package. Its class file loses ACC_PUBLIC when no hidden class of
//   another package refers to it, and then none of its members can be called from the
//   submission, even through a Class obtained another way (an object a test passes, the
//   context class loader). The Security Manager (java.policy) denies the submission
//   setAccessible, declared members of other loaders' classes, new class loaders and
//   class references from StackWalker, which is what would undo that.
// - HiddenLoader defines every hidden class up front from bytes it read itself, looks at
//   them before its parents (a submission's class of the same name is never taken for a
//   test) and has no resources of its own (nothing of a test can be read through it).
// - CandidateLoader opens the submission's classes up: what has no access modifier, or is
//   protected, is loaded public. A hidden test of the submission's package name is in
//   another runtime package now, and still reaches what it reached before (a package-
//   private record, constructor or helper); the submission gains nothing by it, since the
//   only code that can call it is the tests' and JUnit's.
package grader;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSigner;
import java.security.CodeSource;
import java.security.SecureClassLoader;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.platform.console.ConsoleLauncher;

public final class Launch {
    private Launch() {}

    /** Launch MAIN_CLASSES HIDDEN_CLASSES CONSOLE_ARGS...: JUnit's console launcher, with
     * the context class loader set to the hidden tests' loader (it scans and loads the tests
     * through that loader when given no class path of its own). */
    public static void main(String[] args) throws Exception {
        ClassLoader candidate = new CandidateLoader(Path.of(args[0]), Launch.class.getClassLoader());
        HiddenLoader hidden = new HiddenLoader(Path.of(args[1]), candidate);
        Thread.currentThread().setContextClassLoader(hidden);
        String[] console = Arrays.copyOfRange(args, 2, args.length);
        int code = ConsoleLauncher.execute(System.out, System.err, console).getExitCode();
        System.out.flush();
        System.exit(code);
    }

    /** The submission's loader: its parents first (a submission's org.junit or java class
     * is never taken for the real one), its classes read up front (a class loaded later, with
     * the submission's code on the stack, needs no file permission) and opened up to the
     * tests: what has no access modifier, or is protected, is public, so a hidden test of
     * the same package name reaches it from its own loader as it would from the same. */
    static final class CandidateLoader extends SecureClassLoader {
        private final Map<String, byte[]> classes;
        private final CodeSource source;

        CandidateLoader(Path root, ClassLoader parent) throws IOException {
            super(parent); // unnamed: stack traces read as they did with one loader
            this.classes = new HashMap<>();
            for (ClassFile cls : ClassFile.readAll(root)) {
                cls.openUp();
                classes.put(cls.name.replace('/', '.'), cls.bytes);
            }
            this.source = new CodeSource(root.toUri().toURL(), (CodeSigner[]) null);
        }

        @Override
        protected Class<?> findClass(String name) throws ClassNotFoundException {
            byte[] bytes = classes.get(name);
            if (bytes == null) {
                throw new ClassNotFoundException(name);
            }
            return defineClass(name, bytes, 0, bytes.length, source);
        }
    }

    /** The hidden tests' loader: every class defined up front, looked at before the parents,
     * no resources. */
    static final class HiddenLoader extends SecureClassLoader {
        private final Map<String, byte[]> classes;
        private final CodeSource source;

        HiddenLoader(Path root, ClassLoader parent) throws IOException, ClassNotFoundException {
            super(parent);
            this.classes = hiddenClasses(root);
            this.source = new CodeSource(root.toUri().toURL(), (CodeSigner[]) null);
            for (String name : classes.keySet()) {
                loadClass(name); // now, with only trusted code on the stack
            }
        }

        @Override
        protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            byte[] bytes = classes.get(name);
            if (bytes == null) {
                return super.loadClass(name, resolve);
            }
            synchronized (getClassLoadingLock(name)) {
                Class<?> found = findLoadedClass(name);
                return found != null ? found : defineClass(name, bytes, 0, bytes.length, source);
            }
        }
    }

    /** The compiled hidden classes by binary name, each without ACC_PUBLIC unless a hidden
     * class of another package refers to it (a helper or a base class it must reach). */
    static Map<String, byte[]> hiddenClasses(Path root) throws IOException {
        Map<String, byte[]> classes = new HashMap<>();
        Map<String, ClassFile> parsed = new HashMap<>();
        for (ClassFile cls : ClassFile.readAll(root)) {
            parsed.put(cls.name, cls);
        }
        Set<String> reachedFromElsewhere = new HashSet<>();
        for (ClassFile cls : parsed.values()) {
            for (String used : cls.references) {
                if (parsed.containsKey(used) && !packageOf(used).equals(packageOf(cls.name))) {
                    reachedFromElsewhere.add(used);
                }
            }
        }
        for (ClassFile cls : parsed.values()) {
            if (!reachedFromElsewhere.contains(cls.name)) {
                cls.dropPublic();
            }
            classes.put(cls.name.replace('/', '.'), cls.bytes);
        }
        return classes;
    }

    static String packageOf(String internalName) {
        int slash = internalName.lastIndexOf('/');
        return slash < 0 ? "" : internalName.substring(0, slash);
    }

    /** Just enough of a class file: its name, the classes its constant pool names, and where
     * its access flags and its fields' and methods' are. */
    static final class ClassFile {
        private static final int ACC_PUBLIC = 0x0001;
        private static final int ACC_PRIVATE = 0x0002;
        private static final int ACC_PROTECTED = 0x0004;
        final byte[] bytes;
        final String name;
        final Set<String> references = new HashSet<>();
        private final int accessAt;
        private final List<Integer> memberAccessAt = new ArrayList<>();

        private ClassFile(byte[] bytes, String name, int accessAt, Set<String> references) {
            this.bytes = bytes;
            this.name = name;
            this.accessAt = accessAt;
            this.references.addAll(references);
        }

        /** Every class file under root, parsed (none if there is no such folder). */
        static List<ClassFile> readAll(Path root) throws IOException {
            List<ClassFile> found = new ArrayList<>();
            if (!Files.isDirectory(root)) {
                return found;
            }
            List<Path> files = new ArrayList<>();
            try (Stream<Path> walk = Files.walk(root)) {
                walk.filter(p -> p.toString().endsWith(".class")).forEach(files::add);
            }
            for (Path file : files) {
                found.add(parse(Files.readAllBytes(file)));
            }
            return found;
        }

        void dropPublic() {
            bytes[accessAt + 1] &= (byte) ~ACC_PUBLIC;
        }

        /** The class, and each field and method that is package-private or protected, made
         * public (private ones and static initializers stay as they are). */
        void openUp() {
            openUpAt(accessAt);
            for (int at : memberAccessAt) {
                openUpAt(at);
            }
        }

        private void openUpAt(int at) {
            int flags = u2(bytes, at);
            if ((flags & ACC_PRIVATE) == 0) {
                flags = (flags & ~ACC_PROTECTED) | ACC_PUBLIC;
                bytes[at] = (byte) (flags >> 8);
                bytes[at + 1] = (byte) flags;
            }
        }

        static ClassFile parse(byte[] b) throws IOException {
            if (b.length < 10 || u4(b, 0) != 0xCAFEBABEL) {
                throw new IOException("not a class file");
            }
            int count = u2(b, 8);
            String[] utf8 = new String[count];
            int[] classNameIndex = new int[count];
            int at = 10;
            for (int i = 1; i < count; i++) {
                int tag = b[at] & 0xFF;
                at += 1;
                switch (tag) {
                    case 1: {
                        int length = u2(b, at);
                        utf8[i] = new java.io.DataInputStream(
                                new java.io.ByteArrayInputStream(b, at, length + 2)).readUTF();
                        at += 2 + length;
                        break;
                    }
                    case 7: classNameIndex[i] = u2(b, at); at += 2; break;
                    case 8: case 16: case 19: case 20: at += 2; break;
                    case 15: at += 3; break;
                    case 3: case 4: case 9: case 10: case 11: case 12: case 17: case 18: at += 4; break;
                    case 5: case 6: at += 8; i++; break;
                    default: throw new IOException("unknown constant pool tag " + tag);
                }
            }
            Set<String> references = new HashSet<>();
            for (int i = 1; i < count; i++) {
                if (classNameIndex[i] != 0) {
                    references.add(elementOf(utf8[classNameIndex[i]]));
                }
            }
            String name = utf8[classNameIndex[u2(b, at + 2)]];
            ClassFile cls = new ClassFile(b, name, at, references);
            int member = at + 8 + 2 * u2(b, at + 6); // past this, super and the interfaces
            for (int table = 0; table < 2; table++) { // the fields, then the methods
                int count2 = u2(b, member);
                member += 2;
                for (int i = 0; i < count2; i++) {
                    if (!"<clinit>".equals(utf8[u2(b, member + 2)])) {
                        cls.memberAccessAt.add(member);
                    }
                    int attributes = u2(b, member + 6);
                    member += 8;
                    for (int a = 0; a < attributes; a++) {
                        member += 6 + (int) u4(b, member + 2);
                    }
                }
            }
            return cls;
        }

        /** The class an array descriptor names ([[Lcom/x/Y; is com/x/Y), else the name. */
        private static String elementOf(String name) {
            String element = name.replaceFirst("^\\[+", "");
            if (element.length() != name.length() && element.startsWith("L") && element.endsWith(";")) {
                return element.substring(1, element.length() - 1);
            }
            return element;
        }

        private static int u2(byte[] b, int at) {
            return ((b[at] & 0xFF) << 8) | (b[at + 1] & 0xFF);
        }

        private static long u4(byte[] b, int at) {
            return ((long) u2(b, at) << 16) | u2(b, at + 2);
        }
    }
}

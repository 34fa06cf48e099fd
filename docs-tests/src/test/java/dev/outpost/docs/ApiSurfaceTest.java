package dev.outpost.docs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.Executable;
import java.lang.reflect.Field;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.Member;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.lang.reflect.WildcardType;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Keeps the public API what {@code docs/api.md} says it is. The library modules' public types outside
 * {@code internal} packages must be exactly the types that page lists; none of their public or protected
 * members may name an internal type, a shaded one (gRPC's Netty) or a generated one; and every library jar
 * names its module.
 */
class ApiSurfaceTest {

    /** The library modules, as directories of the repository: what applications and plugins depend on. */
    static final List<String> LIBRARIES = List.of("outpost-api", "outpost-core", "outpost-manager",
            "outpost-console", "outpost-testing", "outpost-plugin-slf4j");

    /** A type of the list: a line {@code - `dev.outpost.Name`} of docs/api.md. */
    private static final Pattern LISTED = Pattern.compile("^- `(dev\\.outpost\\.[\\w.]+)`", Pattern.MULTILINE);

    private static Path root;
    private static Set<String> documented;
    private static List<Class<?>> publicTypes;

    @BeforeAll
    static void scan() throws Exception {
        root = SnippetsTest.repositoryRoot();
        Matcher listed = LISTED.matcher(Files.readString(root.resolve("docs/api.md")));
        documented = new TreeSet<>();
        while (listed.find()) {
            documented.add(listed.group(1));
        }
        List<URL> dirs = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (String module : LIBRARIES) {
            Path classes = root.resolve(module).resolve("target/classes");
            assertThat(classes).as("the classes of %s (build it first)", module).isDirectory();
            dirs.add(classes.toUri().toURL());
            try (Stream<Path> files = Files.walk(classes)) {
                files.map(classes::relativize).map(Path::toString)
                        .filter(name -> name.endsWith(".class") && !name.endsWith("module-info.class"))
                        .map(name -> name.substring(0, name.length() - ".class".length()).replace('/', '.'))
                        .forEach(names::add);
            }
        }
        // Modules the test class path lacks load here; the others come from the test class path as they are.
        ClassLoader loader = new URLClassLoader(dirs.toArray(URL[]::new), ApiSurfaceTest.class.getClassLoader());
        publicTypes = new ArrayList<>();
        for (String name : names) {
            Class<?> type = Class.forName(name, false, loader);
            if (isApi(type)) {
                publicTypes.add(type);
            }
        }
    }

    private static boolean isApi(Class<?> type) {
        if (type.isSynthetic() || type.isAnonymousClass() || type.isLocalClass()
                || type.getPackageName().contains(".internal")) {
            return false;
        }
        for (Class<?> t = type; t != null; t = t.getEnclosingClass()) {
            if (!Modifier.isPublic(t.getModifiers())) {
                return false;
            }
        }
        return true;
    }

    @Test
    void thePublicTypesAreExactlyTheDocumentedOnes() {
        Set<String> actual = new TreeSet<>();
        publicTypes.forEach(type -> actual.add(type.getCanonicalName()));
        Set<String> undocumented = new TreeSet<>(actual);
        undocumented.removeAll(documented);
        Set<String> gone = new TreeSet<>(documented);
        gone.removeAll(actual);
        assertThat(undocumented).as("public types that docs/api.md does not list (document them, or move them "
                + "to an internal package)").isEmpty();
        assertThat(gone).as("types docs/api.md lists that are not public types of %s", LIBRARIES).isEmpty();
    }

    @Test
    void noPublicSignatureNamesAnInternalShadedOrGeneratedType() {
        List<String> leaks = new ArrayList<>();
        for (Class<?> type : publicTypes) {
            String owner = type.getCanonicalName();
            check(owner + " extends", type.getGenericSuperclass(), leaks);
            for (Type implemented : type.getGenericInterfaces()) {
                check(owner + " implements", implemented, leaks);
            }
            for (Field field : type.getDeclaredFields()) {
                if (visible(type, field)) {
                    check(owner + "." + field.getName(), field.getGenericType(), leaks);
                }
            }
            List<Executable> executables = new ArrayList<>(List.of(type.getDeclaredConstructors()));
            executables.addAll(List.of(type.getDeclaredMethods()));
            for (Executable executable : executables) {
                if (!visible(type, executable) || executable.isSynthetic()
                        || executable instanceof Method method && method.isBridge()) {
                    continue;
                }
                String where = owner + "." + (executable instanceof Constructor ? "<init>" : executable.getName());
                if (executable instanceof Method method) {
                    check(where + " returns", method.getGenericReturnType(), leaks);
                }
                for (Type parameter : executable.getGenericParameterTypes()) {
                    check(where + " takes", parameter, leaks);
                }
                for (Type thrown : executable.getGenericExceptionTypes()) {
                    check(where + " throws", thrown, leaks);
                }
            }
        }
        assertThat(leaks).as("public signatures that name what is not API").isEmpty();
    }

    @Test
    void everyLibraryJarNamesItsModule() throws IOException {
        for (String module : LIBRARIES) {
            Path target = root.resolve(module).resolve("target");
            Path jar;
            try (Stream<Path> files = Files.list(target)) {
                jar = files.filter(file -> file.getFileName().toString().matches(module + "-[^-]+(-SNAPSHOT)?\\.jar"))
                        .findFirst().orElse(null);
            }
            assertThat(jar).as("the jar of %s in %s (package it first)", module, target).isNotNull();
            try (JarFile file = new JarFile(jar.toFile())) {
                String automatic = file.getManifest().getMainAttributes().getValue("Automatic-Module-Name");
                boolean descriptor = file.getEntry("module-info.class") != null;
                assertThat(descriptor || automatic != null).as("%s has a module-info or an Automatic-Module-Name",
                        jar.getFileName()).isTrue();
                if (automatic != null) {
                    assertThat(automatic).as("%s's module name", jar.getFileName()).startsWith("dev.outpost");
                }
            }
        }
    }

    /** Public members, and protected ones of a class that can be extended. */
    private static boolean visible(Class<?> type, Member member) {
        int modifiers = member.getModifiers();
        return Modifier.isPublic(modifiers) || Modifier.isProtected(modifiers) && !Modifier.isFinal(type.getModifiers());
    }

    private static void check(String where, Type type, List<String> leaks) {
        Set<Type> seen = new HashSet<>();
        collect(type, seen);
        for (Type part : seen) {
            if (part instanceof Class<?> named && !named.isPrimitive()) {
                Class<?> outer = named;
                while (outer.isArray()) {
                    outer = outer.getComponentType();
                }
                String name = outer.getName();
                if (name.contains(".internal.") || name.startsWith("io.grpc.netty.shaded.")) {
                    leaks.add(where + " " + name);
                }
            }
        }
    }

    private static void collect(Type type, Set<Type> seen) {
        if (type == null || !seen.add(type)) {
            return;
        }
        if (type instanceof ParameterizedType parameterized) {
            collect(parameterized.getRawType(), seen);
            for (Type argument : parameterized.getActualTypeArguments()) {
                collect(argument, seen);
            }
        } else if (type instanceof WildcardType wildcard) {
            Stream.concat(Stream.of(wildcard.getUpperBounds()), Stream.of(wildcard.getLowerBounds()))
                    .forEach(bound -> collect(bound, seen));
        } else if (type instanceof GenericArrayType array) {
            collect(array.getGenericComponentType(), seen);
        } else if (type instanceof TypeVariable<?> variable) {
            for (Type bound : variable.getBounds()) {
                collect(bound, seen);
            }
        }
    }
}

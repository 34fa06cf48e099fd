package dev.outpost.docs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Keeps the documentation honest: every {@code ```java} block of {@code README.md} and {@code docs/*.md}
 * compiles against the current code, and every relative link of those files points to a file that exists.
 *
 * <p><b>How a block is compiled.</b> All blocks are compiled together in one run of {@link JavaCompiler},
 * against this module's test class path (Outpost's modules, the console, the Iglu example, the interop
 * module's KV plugin, JUnit, AssertJ, Micrometer and its Prometheus registry, the OpenTelemetry API), each
 * block as a source file of its own in a package of its own ({@code snippets.<file>_<line>}). Its first
 * line of code (blank lines, comments and annotations skipped) says what it is:
 * <ul>
 *   <li>{@code package}, {@code import} or a type declaration ({@code class}, {@code interface},
 *       {@code record}, {@code enum}, with any modifiers) at the start of the line: a <em>compilation
 *       unit</em>, compiled as it is;</li>
 *   <li>a line starting with a modifier ({@code public}, {@code protected}, {@code private},
 *       {@code static}) or an annotation: <em>members</em>, put into a class;</li>
 *   <li>anything else: <em>statements</em>, put into a method of a class that may throw any exception.</li>
 * </ul>
 * A block without {@code package} and {@code import} lines gets {@link #IMPORTS}; all but one are on-demand
 * imports, so a type the block declares itself wins over an imported one of the same name.
 *
 * <p><b>What a block may take as given.</b> A line right before the opening fence of the form
 * {@code <!-- snippet: DIRECTIVE; DIRECTIVE -->} (an HTML comment, invisible on a rendered page) declares:
 * <ul>
 *   <li>{@code TYPE NAME}, e.g. {@code Iglu iglu} or {@code Map<String, Integer> counts}: a variable the
 *       block uses without declaring it (a parameter of the method around statements, a field of the
 *       class around members);</li>
 *   <li>{@code package NAME}: the block's code goes into package {@code NAME} instead, for a block that
 *       uses package-private names as a test in that package would.</li>
 * </ul>
 *
 * <p>A block that does not compile fails {@link #everyJavaSnippetCompiles()} with its file, the line of its
 * opening fence, the line of the error in the file, and the compiler's message; warnings do not count.
 * Blocks in other languages ({@code sh}, {@code json}, {@code xml}...) are not compiled.
 *
 * <p>{@link #everyRelativeLinkResolves()} checks every Markdown link {@code [text](target)} outside code:
 * a target that is not {@code http(s):}, {@code mailto:} or an anchor ({@code #...}) must name a file or
 * directory that exists, relative to the file that links it (an anchor after the path is not checked).
 */
class SnippetsTest {

    /**
     * The imports of blocks that have none of their own. {@code ByteString} is imported by name: protobuf's
     * package also has a {@code Duration} and an {@code Empty}, which would make those names ambiguous.
     */
    static final List<String> IMPORTS = List.of(
            "com.google.protobuf.ByteString",
            "dev.outpost.*",
            "dev.outpost.grpc.*",
            "dev.outpost.host.*",
            "dev.outpost.inprocess.*",
            "dev.outpost.plugin.*",
            "dev.outpost.rpc.*",
            "dev.outpost.manager.*",
            "dev.outpost.manager.metrics.*",
            "dev.outpost.console.*",
            "dev.outpost.testing.*",
            "dev.outpost.examples.iglu.*",
            "dev.outpost.examples.iglu.amazing.*",
            "dev.outpost.interop.*",
            "dev.outpost.interop.proto.*",
            "io.grpc.*",
            "io.grpc.stub.*",
            "io.micrometer.core.instrument.*",
            "io.micrometer.prometheusmetrics.*",
            "java.io.*",
            "java.nio.file.*",
            "java.time.*",
            "java.util.*",
            "java.util.concurrent.*",
            "org.slf4j.*",
            "org.junit.jupiter.api.*",
            "org.junit.jupiter.api.extension.*",
            "static org.assertj.core.api.Assertions.*");

    private static final Pattern FENCE = Pattern.compile("^(\\s*)```\\s*java\\s*$");
    private static final Pattern ANY_FENCE = Pattern.compile("^\\s*```.*$");
    private static final Pattern DIRECTIVES = Pattern.compile("^\\s*<!--\\s*snippet:(.*)-->\\s*$");
    private static final String MODIFIERS = "(?:(?:public|protected|private|abstract|static|final|sealed|non-sealed|strictfp)\\s+)*";
    private static final Pattern TYPE_DECLARATION = Pattern.compile(
            "^(" + MODIFIERS + ")(?:class|interface|enum|record|@interface)\\s+([A-Za-z_$][\\w$]*)");
    private static final Pattern MEMBER = Pattern.compile("^(?:public|protected|private|static|@)");
    private static final Pattern LINK = Pattern.compile("\\]\\(([^)\\s]+)(?:\\s+\"[^\"]*\")?\\)");

    private static Path root;
    private static List<Path> documents;

    /** One {@code ```java} block: where it is and what it says. */
    record Snippet(Path file, int fenceLine, List<String> lines, List<String> given, String packageName) {

        /** Its first line in the file. */
        int firstLine() {
            return fenceLine + 1;
        }

        String where() {
            return root.relativize(file) + ":" + fenceLine;
        }
    }

    /** A block turned into a Java source file, and how to find a line of it in the Markdown file. */
    static final class Source extends SimpleJavaFileObject {
        final Snippet snippet;
        final String code;
        /** The source line of the block's first line. */
        final int offset;

        Source(Snippet snippet, String packageName, String className, String code, int offset) {
            super(URI.create("string:///" + packageName.replace('.', '/') + "/" + className + ".java"), Kind.SOURCE);
            this.snippet = snippet;
            this.code = code;
            this.offset = offset;
        }

        @Override
        public CharSequence getCharContent(boolean ignoreEncodingErrors) {
            return code;
        }

        /** The line in the Markdown file of a line of this source, or -1 for one of the wrapping lines. */
        long documentLine(long sourceLine) {
            long index = sourceLine - offset;
            return index >= 0 && index < snippet.lines().size() ? snippet.firstLine() + index : -1;
        }
    }

    /** The repository's root: the first directory above this one with README.md, docs/ and docs-tests/. */
    static Path repositoryRoot() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !(Files.isRegularFile(dir.resolve("README.md")) && Files.isDirectory(dir.resolve("docs"))
                && Files.isDirectory(dir.resolve("docs-tests")))) {
            dir = dir.getParent();
        }
        assertThat(dir).as("the repository root above %s", Path.of("").toAbsolutePath()).isNotNull();
        return dir;
    }

    @BeforeAll
    static void findDocuments() throws IOException {
        root = repositoryRoot();
        List<Path> found = new ArrayList<>();
        found.add(root.resolve("README.md"));
        try (Stream<Path> docs = Files.list(root.resolve("docs"))) {
            docs.filter(path -> path.getFileName().toString().endsWith(".md")).sorted().forEach(found::add);
        }
        documents = List.copyOf(found);
    }

    @Test
    void everyJavaSnippetCompiles() throws IOException {
        List<Snippet> snippets = new ArrayList<>();
        for (Path document : documents) {
            snippets.addAll(snippets(document));
        }
        assertThat(snippets).as("java blocks in %s", documents).isNotEmpty();

        List<Source> sources = new ArrayList<>();
        for (Snippet snippet : snippets) {
            sources.add(source(snippet));
        }
        JavaCompiler compiler = ToolProvider.getSystemJavaCompiler();
        assertThat(compiler).as("a JDK's compiler").isNotNull();
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        Path classes = Files.createDirectories(Path.of("target", "snippet-classes"));
        try (StandardJavaFileManager files = compiler.getStandardFileManager(diagnostics, Locale.ROOT,
                StandardCharsets.UTF_8)) {
            List<String> options = List.of("--release", "17", "-proc:none", "-Xlint:none", "-implicit:none",
                    "-classpath", classPath(), "-d", classes.toString());
            compiler.getTask(null, files, diagnostics, options, null, sources).call();
        }

        Map<JavaFileObject, Source> bySource = new IdentityHashMap<>();
        sources.forEach(source -> bySource.put(source, source));
        List<String> errors = new ArrayList<>();
        for (Diagnostic<? extends JavaFileObject> diagnostic : diagnostics.getDiagnostics()) {
            if (diagnostic.getKind() != Diagnostic.Kind.ERROR) {
                continue;
            }
            Source source = bySource.get(diagnostic.getSource());
            if (source == null) {
                errors.add(diagnostic.getMessage(Locale.ROOT));
                continue;
            }
            long line = source.documentLine(diagnostic.getLineNumber());
            errors.add(source.snippet.where() + ": the java block starting there does not compile"
                    + (line > 0 ? ", line " + line : " (in the code around it)") + ": "
                    + diagnostic.getMessage(Locale.ROOT));
        }
        assertThat(errors).as("compiler errors in %d java blocks of %s", snippets.size(),
                documents.stream().map(root::relativize).toList()).isEmpty();
    }

    @Test
    void theReadmeStaysShort() throws IOException {
        // What, why, the two commands, an example each for host, plugin and manager, links: the rest is in docs/.
        assertThat(Files.readAllLines(root.resolve("README.md"))).as("README.md's lines").hasSizeLessThanOrEqualTo(150);
    }

    @Test
    void everyRelativeLinkResolves() throws IOException {
        List<String> broken = new ArrayList<>();
        int links = 0;
        for (Path document : documents) {
            List<String> lines = Files.readAllLines(document, StandardCharsets.UTF_8);
            boolean inCode = false;
            for (int i = 0; i < lines.size(); i++) {
                String line = lines.get(i);
                if (ANY_FENCE.matcher(line).matches()) {
                    inCode = !inCode;
                    continue;
                }
                if (inCode) {
                    continue;
                }
                Matcher link = LINK.matcher(line.replaceAll("`[^`]*`", "``"));
                while (link.find()) {
                    String target = link.group(1);
                    if (target.startsWith("http://") || target.startsWith("https://") || target.startsWith("mailto:")
                            || target.startsWith("#")) {
                        continue;
                    }
                    links++;
                    String path = target.contains("#") ? target.substring(0, target.indexOf('#')) : target;
                    if (!Files.exists(document.getParent().resolve(path))) {
                        broken.add(root.relativize(document) + ":" + (i + 1) + ": " + target + " does not exist");
                    }
                }
            }
        }
        assertThat(links).as("relative links in %s", documents).isPositive();
        assertThat(broken).as("broken relative links").isEmpty();
    }

    /** The {@code ```java} blocks of {@code document}, in order. */
    static List<Snippet> snippets(Path document) throws IOException {
        List<String> lines = Files.readAllLines(document, StandardCharsets.UTF_8);
        List<Snippet> found = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            Matcher fence = FENCE.matcher(lines.get(i));
            if (!fence.matches()) {
                if (ANY_FENCE.matcher(lines.get(i)).matches()) {
                    i = closingFence(document, lines, i);
                }
                continue;
            }
            int indent = fence.group(1).length();
            int end = closingFence(document, lines, i);
            List<String> body = new ArrayList<>();
            for (String line : lines.subList(i + 1, end)) {
                body.add(dedent(line, indent));
            }
            List<String> given = new ArrayList<>();
            String packageName = null;
            Matcher directives = i > 0 ? DIRECTIVES.matcher(lines.get(i - 1)) : null;
            if (directives != null && directives.matches()) {
                for (String directive : directives.group(1).split(";")) {
                    String text = directive.strip();
                    if (text.startsWith("package ")) {
                        packageName = text.substring("package ".length()).strip();
                    } else if (!text.isEmpty()) {
                        given.add(text);
                    }
                }
            }
            found.add(new Snippet(document, i + 1, List.copyOf(body), List.copyOf(given), packageName));
            i = end;
        }
        return found;
    }

    private static int closingFence(Path document, List<String> lines, int opening) {
        for (int j = opening + 1; j < lines.size(); j++) {
            if (lines.get(j).strip().equals("```")) {
                return j;
            }
        }
        throw new AssertionError(root.relativize(document) + ":" + (opening + 1) + ": a code block is never closed");
    }

    private static String dedent(String line, int indent) {
        int strip = 0;
        while (strip < indent && strip < line.length() && line.charAt(strip) == ' ') {
            strip++;
        }
        return line.substring(strip);
    }

    /** The Java source of a block, wrapped as its first line of code says. */
    static Source source(Snippet snippet) {
        String fileId = snippet.file().getFileName().toString().replaceAll("\\W", "_").toLowerCase(Locale.ROOT);
        String packageName = snippet.packageName() != null ? snippet.packageName()
                : "snippets." + fileId + "_" + snippet.fenceLine();
        String generatedName = "Snippet_" + fileId + "_" + snippet.fenceLine();
        String first = firstCodeLine(snippet.lines(), true);
        String firstWithAnnotations = firstCodeLine(snippet.lines(), false);
        boolean unit = first.startsWith("package ") || first.startsWith("import ")
                || TYPE_DECLARATION.matcher(first).find();
        boolean ownImports = snippet.lines().stream().anyMatch(line -> line.startsWith("import ")
                || line.startsWith("package "));

        StringBuilder code = new StringBuilder();
        int lines = 0;
        if (!snippet.lines().stream().anyMatch(line -> line.startsWith("package "))) {
            code.append("package ").append(packageName).append(";\n");
            lines++;
        }
        if (!ownImports) {
            for (String name : IMPORTS) {
                code.append("import ").append(name).append(";\n");
                lines++;
            }
        }
        String className = generatedName;
        String closing;
        if (unit) {
            if (!snippet.given().isEmpty()) {
                throw new AssertionError(snippet.where() + ": a compilation unit takes no given variables: "
                        + snippet.given());
            }
            className = snippet.lines().stream().map(TYPE_DECLARATION::matcher).filter(Matcher::find)
                    .filter(m -> m.group(1).contains("public")).map(m -> m.group(2)).findFirst().orElse(generatedName);
            closing = "";
        } else if (MEMBER.matcher(firstWithAnnotations).find()) {
            code.append("class ").append(generatedName).append(" {");
            for (String variable : snippet.given()) {
                code.append(' ').append(variable).append(';');
            }
            code.append('\n');
            lines++;
            closing = "}\n";
        } else {
            code.append("class ").append(generatedName).append(" { void snippet(")
                    .append(String.join(", ", snippet.given())).append(") throws Exception {\n");
            lines++;
            closing = "}}\n";
        }
        int offset = lines + 1;
        snippet.lines().forEach(line -> code.append(line).append('\n'));
        code.append(closing);
        return new Source(snippet, packageName, className, code.toString(), offset);
    }

    /** The first line that is not blank or a comment, and with {@code skipAnnotations} not an annotation. */
    private static String firstCodeLine(List<String> lines, boolean skipAnnotations) {
        boolean inComment = false;
        for (String raw : lines) {
            String line = raw.strip();
            if (inComment) {
                if (line.contains("*/")) {
                    inComment = false;
                    line = line.substring(line.indexOf("*/") + 2).strip();
                } else {
                    continue;
                }
            }
            if (line.startsWith("/*")) {
                if (!line.contains("*/")) {
                    inComment = true;
                    continue;
                }
                line = line.substring(line.indexOf("*/") + 2).strip();
            }
            if (line.isEmpty() || line.startsWith("//")) {
                continue;
            }
            if (skipAnnotations && line.startsWith("@") && !line.startsWith("@interface")) {
                String rest = line.replaceFirst("^@[\\w.]+(\\([^)]*\\))?\\s*", "");
                if (rest.isEmpty() || rest.startsWith("//")) {
                    continue;
                }
                return rest;
            }
            return line;
        }
        return "";
    }

    /** The class path the tests run with: Surefire's, else this JVM's. */
    private static String classPath() {
        String path = System.getProperty("surefire.test.class.path");
        return path != null && !path.isBlank() ? path : System.getProperty("java.class.path");
    }
}

package dev.outpost.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outpost.fixtures.LeakCheck;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * The console's page in a real browser, Debian's headless Chromium driven by its chromium-driver: the table
 * follows a crash and its restart live, and its buttons act. Aborted on a developer's machine without
 * Chromium; under CI (the variable CI set) it fails instead, as the browser must be installed there.
 */
@ExtendWith(LeakCheck.class)
class ConsoleBrowserIT extends ConsoleTestSupport {

    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path DRIVER = Path.of("/usr/bin/chromedriver");

    @TempDir
    Path profile;

    private ChromeDriver browser;

    @BeforeEach
    void openBrowser() {
        List<String> missing = new ArrayList<>();
        for (Path program : List.of(CHROMIUM, DRIVER)) {
            if (!Files.isExecutable(program)) {
                missing.add(program.toString());
            }
        }
        if (!missing.isEmpty()) {
            String problem = "the browser test needs " + String.join(" and ", missing)
                    + " (Debian's packages chromium and chromium-driver)";
            if (System.getenv("CI") != null) {
                throw new AssertionError(problem);
            }
            Assumptions.abort(problem);
        }
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(DRIVER.toFile())
                .usingAnyFreePort().build();
        ChromeOptions options = new ChromeOptions().setBinary(CHROMIUM.toFile())
                // Root in a container has no user namespaces for Chromium's sandbox.
                .addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                        "--user-data-dir=" + profile);
        browser = new ChromeDriver(service, options);
    }

    @AfterEach
    void closeBrowser() {
        if (browser != null) {
            browser.quit();
        }
    }

    private WebElement cell(String id, String field) {
        return browser.findElement(By.cssSelector("tr[data-id='" + id + "'] td[data-field='" + field + "']"));
    }

    private String text(String id, String field) {
        List<WebElement> cells = browser.findElements(
                By.cssSelector("tr[data-id='" + id + "'] td[data-field='" + field + "']"));
        return cells.isEmpty() ? null : cells.get(0).getText();
    }

    private void waitFor(String what, java.util.function.BooleanSupplier condition) {
        // Polls the page as a person would look at it: nothing in it is reloaded meanwhile.
        await(what).atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).ignoreExceptions()
                .until(condition::getAsBoolean);
    }

    @Test
    void theTableFollowsACrashLiveAndItsRestartButtonRestarts() throws Exception {
        plugin("alpha");
        startManagerAndConsole();
        browser.get(console.link().toString());

        long first = info("alpha").pid().getAsLong();
        waitFor("alpha RUNNING with pid " + first, () -> "RUNNING".equals(text("alpha", "state"))
                && Long.toString(first).equals(text("alpha", "pid")));
        assertThat(text("alpha", "name")).isEqualTo("Gadget alpha");
        assertThat(text("alpha", "version")).isEqualTo("1.2.3");
        assertThat(text("alpha", "restarts")).isEqualTo("0");
        assertThat(text("alpha", "memory")).matches("\\d+\\.\\d MiB");
        assertThat(text("alpha", "uptime")).matches("\\d\\d:\\d\\d:\\d\\d");
        assertThat(browser.findElement(By.id("connection")).getText()).isEqualTo("live");
        assertThat(browser.findElement(By.cssSelector("tr.detail[data-id='alpha'] pre.log"))
                .getDomProperty("textContent")).contains("alpha is warming up");
        assertThat(browser.getCurrentUrl()).as("the token leaves the address bar").doesNotContain("token");
        // Every state the cell shows from now on, however briefly; and a mark that a reload would wipe.
        browser.executeScript("window.sameDocument = true; window.shownStates = [];"
                + " new MutationObserver(records => records.forEach(record => record.addedNodes.forEach("
                + "  node => window.shownStates.push(node.textContent)))).observe(arguments[0], {childList: true});",
                cell("alpha", "state"));

        ProcessHandle.of(first).orElseThrow().destroyForcibly(); // SIGKILL

        waitFor("alpha RUNNING again with a new pid", () -> "RUNNING".equals(text("alpha", "state"))
                && !Long.toString(first).equals(text("alpha", "pid")) && !"".equals(text("alpha", "pid")));
        long second = info("alpha").pid().getAsLong();
        assertThat(text("alpha", "pid")).isEqualTo(Long.toString(second));
        assertThat(text("alpha", "restarts")).isEqualTo("1");
        assertThat(text("alpha", "lastError")).isEqualTo("process was killed by signal 9 (SIGKILL)");
        @SuppressWarnings("unchecked")
        List<String> shown = (List<String>) browser.executeScript("return window.shownStates;");
        assertThat(shown).containsSubsequence("CRASHED", "RESTARTING", "STARTING", "RUNNING");
        assertThat(browser.executeScript("return window.sameDocument === true;")).as("no reload").isEqualTo(true);
        assertThat(browser.findElements(By.cssSelector("tr.detail[data-id='alpha'] ol.events li")).stream()
                .map(item -> item.getDomProperty("textContent")).toList())
                .anyMatch(item -> item.endsWith("RUNNING → CRASHED  [process was killed by signal 9 (SIGKILL)]"));

        browser.findElement(By.cssSelector("tr[data-id='alpha'] button[data-action='restart']")).click();

        waitFor("a new pid after the restart button", () -> "RUNNING".equals(text("alpha", "state"))
                && !Long.toString(second).equals(text("alpha", "pid")) && !"".equals(text("alpha", "pid")));
        long third = info("alpha").pid().getAsLong();
        assertThat(text("alpha", "pid")).isEqualTo(Long.toString(third));
        assertThat(third).isNotEqualTo(second);
        assertThat(ProcessHandle.of(second).map(ProcessHandle::isAlive)).isNotEqualTo(java.util.Optional.of(true));
        waitFor("the restart's answer", () -> browser.findElement(By.id("message")).getText()
                .equals("restart alpha: done, RUNNING, pid " + third));
        assertThat(text("alpha", "restarts")).as("an explicit restart resets the count").isEqualTo("0");
        assertThat(browser.executeScript("return window.sameDocument === true;")).as("no reload").isEqualTo(true);
    }

    @Test
    void aWrongTokenIsRefusedAndSaysSo() throws Exception {
        plugin("alpha");
        startManagerAndConsole();

        browser.get(console.uri() + "#token=not-the-token");

        waitFor("the refusal", () -> browser.findElement(By.id("connection")).getText().equals("not authorized"));
        assertThat(browser.findElement(By.id("message")).getText()).startsWith("The token was refused");
        assertThat(browser.findElements(By.cssSelector("tr[data-id='alpha']"))).isEmpty();
    }
}

package dev.rnn.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.rnn.core.PackedMatrix;
import dev.rnn.models.streaming.TextStream;
import dev.rnn.models.streaming.TextStreamingModel;
import dev.rnn.models.tasks.CharLanguageModel;
import dev.rnn.models.tasks.Seq2SeqModel;
import dev.rnn.models.tasks.SentenceClassifier;
import dev.rnn.models.tasks.SequenceTagger;
import dev.rnn.models.tasks.TaskModel;
import dev.rnn.models.text.WordTokenizer;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The page at {@code /} in a real browser: Debian's chromium, headless, driven through its
 * chromedriver against a server of small trained models. Each view is typed into and what it
 * shows is compared with the library's own answers; the browser console must stay free of errors.
 * Screenshots of each view go to {@code target/page-screenshots/}.
 *
 * <p>The models train for a few seconds at most, so a busy machine gets rougher models (the
 * assertions hold for any); {@code -Drnn.page.fullTraining=true} lifts the time limit, for
 * screenshots worth showing.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PageBrowserTest {

    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    static final Path SCREENSHOTS = Path.of("target", "page-screenshots");
    static final Dimension DESKTOP = new Dimension(1280, 800);
    static final Dimension PHONE = new Dimension(390, 844);

    Path dir;
    Path profile;   // the browser's fresh user-data directory
    Map<String, TaskModel> models;
    RnnServer server;
    ChromeDriver browser;
    WebDriverWait wait;
    TextStreamingModel lm;   // the library's own text form, to compare with

    @BeforeAll
    void start() throws Exception {
        assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
                "the page's browser test needs " + CHROMIUM + " and " + CHROMEDRIVER + ": install them with"
                        + " 'apt-get install chromium chromium-driver' (Debian; .ci/run does so in CI)");
        dir = Files.createTempDirectory("rnn-page-test");
        models = ServedModels.trainAll(dir, !Boolean.getBoolean("rnn.page.fullTraining"));
        lm = ((CharLanguageModel) models.get("lm")).textStreaming(PackedMatrix.Format.F32);
        server = RnnServer.builder().models(models).build().start();
        Files.createDirectories(SCREENSHOTS);
        profile = Files.createTempDirectory(Files.createDirectories(Path.of("target")), "chromium-profile");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        // headless, and nothing that would reach for the network: this machine and CI have none to spare
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
                "--user-data-dir=" + profile.toAbsolutePath(), "--window-size=" + DESKTOP.width + "," + DESKTOP.height);
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        options.setCapability(ChromeOptions.LOGGING_PREFS, logs);
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile())   // the system's driver: Selenium Manager never downloads one
                .usingAnyFreePort()
                .build();
        browser = new ChromeDriver(service, options);
        wait = new WebDriverWait(browser, Duration.ofSeconds(30));
    }

    @AfterAll
    void stop() throws Exception {
        if (browser != null) {
            browser.quit();
        }
        if (profile != null) {
            try (var all = Files.walk(profile)) {
                for (Path p : (Iterable<Path>) all.sorted(java.util.Comparator.reverseOrder())::iterator) {
                    Files.deleteIfExists(p);
                }
            }
        }
        if (server != null) {
            server.close();
        }
        if (lm != null) {
            lm.close();
        }
        if (models != null) {
            for (TaskModel m : models.values()) {
                m.close();
            }
        }
        if (dir != null) {
            try (var files = Files.list(dir)) {
                for (Path p : (Iterable<Path>) files::iterator) {
                    Files.delete(p);
                }
            }
            Files.delete(dir);
        }
    }

    @BeforeEach
    void desktopWindow() {
        viewport(DESKTOP);
    }

    @AfterEach
    void noErrorsInTheConsole() {
        List<String> severe = new ArrayList<>();
        for (LogEntry e : browser.manage().logs().get(LogType.BROWSER)) {
            if (e.getLevel().intValue() >= Level.SEVERE.intValue()) {
                severe.add(e.getMessage());
            }
        }
        assertEquals(List.of(), severe, "errors in the browser console");
    }

    @Test
    void languageModelShowsNextCharacterBarsAndCompletionsPickedWithTheKeyboard() throws Exception {
        WebElement input = type("lm", "the ");
        input.sendKeys("ki");   // an append to the same stream
        awaitShown("lm", "the ki");
        assertShowsWhatTheLibrarySays("the ki");
        screenshot("autocomplete");

        input.sendKeys(Keys.BACK_SPACE, Keys.BACK_SPACE, "ca");   // not an append: the page starts a stream again
        awaitShown("lm", "the ca");
        assertShowsWhatTheLibrarySays("the ca");

        List<String> offered = completions();
        input.sendKeys(Keys.ARROW_DOWN, Keys.ARROW_DOWN, Keys.ARROW_UP);
        assertEquals("true", browser.findElement(By.id("lm-completion-1")).getDomAttribute("aria-selected"));
        input.sendKeys(Keys.TAB);
        String picked = "the ca" + offered.get(1);
        assertEquals(picked, input.getDomProperty("value"), "Tab takes the selected completion");
        awaitShown("lm", picked);
        assertShowsWhatTheLibrarySays(picked);
        assertEquals(input, browser.switchTo().activeElement(), "the input keeps the focus");

        String picked2 = picked + completions().get(0);
        input.sendKeys(Keys.ENTER);
        assertEquals(picked2, input.getDomProperty("value"), "Enter takes the first completion");
        awaitShown("lm", picked2);
    }

    @Test
    void classifierShowsEveryLabelWithItsProbability() throws Exception {
        SentenceClassifier c = (SentenceClassifier) models.get("sentiment");
        String text = "the food was really good but the service dull";
        type("sentiment", text);
        List<String> labels = texts("#classifier-bars .label");
        List<String> percents = texts("#classifier-bars .pct");
        assertEquals(c.labels().tokens(), labels, "every label, in the model's order");
        double sum = 0;
        for (int i = 0; i < labels.size(); i++) {
            double expected = 100 * probabilityOf(c.labelProbabilities(text), labels.get(i));
            double shown = Double.parseDouble(percents.get(i).replace("%", "").trim());
            assertEquals(expected, shown, 0.051, labels.get(i));
            sum += shown;
        }
        assertEquals(100, sum, 0.2);
        assertEquals(c.predict(text).label(), browser.findElement(By.cssSelector("#classifier-bars .label.best")).getText());
        screenshot("classifier");
    }

    @Test
    void taggerPutsATagUnderEachWord() throws Exception {
        SequenceTagger t = (SequenceTagger) models.get("tagger");
        String text = "this old dog likes Emma.";
        type("tagger", text);
        List<String> words = WordTokenizer.words(text);
        assertEquals(words, texts("#tagger-output .token"));
        assertEquals(t.tag(words), texts("#tagger-output .tag"));
        screenshot("tagger");
    }

    @Test
    void seq2seqShowsTheTranslationAndItsAttentionHeatmap() throws Exception {
        Seq2SeqModel m = (Seq2SeqModel) models.get("reverse");
        String text = "abcdeff";
        type("reverse", text);
        assertEquals(m.translate(text, 1), browser.findElement(By.id("seq2seq-translation")).getText());
        Seq2SeqModel.Attended a = m.translateWithAttention(text);
        assertEquals(a.sourceTokens(), texts("#seq2seq-heatmap thead th:not(:first-child)"));
        assertEquals(a.outputTokens(), texts("#seq2seq-heatmap tbody th"));
        List<WebElement> cells = browser.findElements(By.cssSelector("#seq2seq-heatmap td"));
        assertEquals(a.outputTokens().size() * a.sourceTokens().size(), cells.size(), "a cell per output and input token");
        screenshot("seq2seq");
    }

    @Test
    void phoneSizedWindowShowsTheAutocompleteWithoutSidewaysScrolling() throws Exception {
        viewport(PHONE);
        type("lm", "my friend ");
        assertShowsWhatTheLibrarySays("my friend ");
        long page = (Long) browser.executeScript("return document.documentElement.scrollWidth;");
        long window = (Long) browser.executeScript("return document.documentElement.clientWidth;");
        assertTrue(page <= window, "the page is " + page + " px wide in a " + window + " px window");
        screenshot("phone");
    }

    @Test
    void typingDoesNotMoveTheLayout() throws Exception {
        WebElement input = open("lm");
        WebElement status = browser.findElement(By.id("status"));
        int before = status.getLocation().getY();
        input.sendKeys("the cat sees ");
        awaitShown("lm", "the cat sees ");
        assertEquals(before, status.getLocation().getY(), "the space of the bars and completions is kept while empty");
        input.sendKeys(Keys.chord(Keys.CONTROL, "a"), Keys.BACK_SPACE);
        awaitShown("lm", "");
        assertEquals(before, status.getLocation().getY());
    }

    /** Sizes the window so that the page itself (the viewport) has {@code size}, as a screen of that size would show it. */
    private void viewport(Dimension size) {
        browser.manage().window().setSize(size);
        long width = (Long) browser.executeScript("return window.innerWidth;");
        long height = (Long) browser.executeScript("return window.innerHeight;");
        browser.manage().window().setSize(new Dimension(2 * size.width - (int) width, 2 * size.height - (int) height));
    }

    /** Loads the page with {@code model} picked in the list; returns its text input. */
    private WebElement open(String model) {
        browser.get("http://127.0.0.1:" + server.port() + "/");
        WebElement picker = wait.until(d -> {
            WebElement p = d.findElement(By.id("model"));
            return p.findElements(By.tagName("option")).size() == models.size() ? p : null;
        });
        new Select(picker).selectByValue(model);
        String view = viewOf(model);
        assertTrue(browser.findElement(By.id("view-" + view)).isDisplayed());
        assertTrue(browser.findElement(By.id("about")).getText().startsWith(model), browser.findElement(By.id("about")).getText());
        return browser.findElement(By.id(view + "-input"));
    }

    /** Opens the page on {@code model}, types {@code text} and waits for its answer; returns the input. */
    private WebElement type(String model, String text) {
        WebElement input = open(model);
        input.sendKeys(text);
        awaitShown(model, text);
        return input;
    }

    /** The page's view of the model's task (the ids of its elements start with it). */
    private String viewOf(String model) {
        return switch (models.get(model).task()) {
            case CharLanguageModel.TASK -> "lm";
            case SentenceClassifier.TASK -> "classifier";
            case SequenceTagger.TASK -> "tagger";
            default -> "seq2seq";
        };
    }

    /** Waits until the view of {@code model} has drawn its answer to exactly {@code text}. */
    private void awaitShown(String model, String text) {
        String view = viewOf(model);
        WebElement section = browser.findElement(By.id("view-" + view));
        wait.withMessage(() -> "view " + view + " to show its answer to '" + text + "'; it shows '" + section.getDomAttribute("data-shows")
                        + "', status: " + browser.findElement(By.id("status")).getText())
                .until(d -> text.equals(section.getDomAttribute("data-shows")));
    }

    /** The bars hold the stream's ten most likely next characters, the list the beam's three completions. */
    private void assertShowsWhatTheLibrarySays(String text) {
        try (TextStream s = lm.newStream()) {
            s.append(text);
            List<TextStream.NextCharacter> next = s.mostLikelyNext(10);
            List<String> expected = new ArrayList<>();
            for (TextStream.NextCharacter n : next) {
                expected.add(switch (n.character()) {
                    case " " -> "␣";
                    case "\n" -> "⏎";
                    default -> n.character();
                });
            }
            assertEquals(expected, texts("#lm-bars .label"), "next characters of '" + text + "'");
            @SuppressWarnings("unchecked")
            List<String> fills = (List<String>) browser.executeScript(
                    "return Array.from(document.querySelectorAll('#lm-bars .fill'), e => e.style.width);");
            // the page rounds to a tenth of a percent
            assertEquals(100.0 * next.getFirst().probability(), Double.parseDouble(fills.getFirst().replace("%", "")), 0.051,
                    "the first bar's length");
            List<String> completions = new ArrayList<>();
            for (TextStreamingModel.Completion c : s.beamSearch(3, 12)) {
                String line = c.text().split("\n", -1)[0];   // the page cuts a completion at a line break, and shows each once
                if (!line.isEmpty() && !completions.contains(line)) {
                    completions.add(line);
                }
            }
            assertEquals(completions, completions(), "completions of '" + text + "'");
        }
    }

    private List<String> completions() {
        return texts("#lm-completions li .added");
    }

    private static double probabilityOf(List<SentenceClassifier.Prediction> all, String label) {
        for (SentenceClassifier.Prediction p : all) {
            if (p.label().equals(label)) {
                return p.probability();
            }
        }
        throw new AssertionError("no label " + label);
    }

    /** The text of every element {@code css} selects, read in one script so that a redraw cannot come between two reads. */
    @SuppressWarnings("unchecked")
    private List<String> texts(String css) {
        return (List<String>) browser.executeScript("return Array.from(document.querySelectorAll(arguments[0]), e => e.textContent);", css);
    }

    private void screenshot(String name) throws Exception {
        File shot = browser.getScreenshotAs(OutputType.FILE);
        Files.copy(shot.toPath(), SCREENSHOTS.resolve(name + ".png"), StandardCopyOption.REPLACE_EXISTING);
    }
}

// The page of rnn serve: pick a model, type, and see its answers as you type.
// Every view follows one pattern (live): input events are debounced, each update gets a sequence
// number, and an answer is drawn only while its number is still the latest, so a slow, stale
// answer never overwrites a newer one.
"use strict";

(() => {
  const DEBOUNCE_MS = 120;         // one request per pause in typing, short enough to feel live
  const NEXT_ROWS = 10;            // next-character bars shown (and reserved) for a language model
  const COMPLETIONS = 3;           // completions of the complete route, beam width 3
  const COMPLETION_LENGTH = 12;    // characters per completion
  const TYPED_SHOWN = 18;          // characters of the typed text shown before each completion

  const $ = (id) => document.getElementById(id);
  const el = (tag, className, text) => {
    const e = document.createElement(tag);
    if (className) e.className = className;
    if (text !== undefined) e.textContent = text;
    return e;
  };

  let models = [];
  let model = null;                // the picked model's description from GET /v1/models

  // ---- talking to the service ------------------------------------------------------------

  async function api(method, path, body) {
    const init = { method, headers: {} };
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    const started = performance.now();
    const response = await fetch(path, init);
    let json = null;
    try {
      json = await response.json();
    } catch (notJson) {
      json = null;
    }
    if (!response.ok) {
      const e = new Error(json && json.error ? json.error : "the service answered " + response.status);
      e.status = response.status;
      throw e;
    }
    status("answered in " + Math.round(performance.now() - started) + " ms", false);
    return json;
  }

  function status(text, isError) {
    const s = $("status");
    s.textContent = text;
    s.classList.toggle("error", isError);
  }

  // ---- the one skeleton of a live view -------------------------------------------------------

  /**
   * Calls update(text, isCurrent) after each pause in typing; isCurrent() is false once a newer update
   * began. When the latest update has drawn its answer, view.dataset.shows holds the text it answers.
   */
  function live(view, input, update) {
    let seq = 0;
    let timer = 0;
    const run = () => {
      clearTimeout(timer);
      const mine = ++seq;
      const isCurrent = () => mine === seq;
      const text = input.value;
      Promise.resolve(update(text, isCurrent))
        .catch((e) => {
          if (isCurrent()) status(e.message, true);
        })
        .then(() => {
          if (isCurrent()) view.dataset.shows = text;
        });
    };
    input.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(run, DEBOUNCE_MS);
    });
    return { now: run };
  }

  // ---- bars (next characters, labels) --------------------------------------------------------

  /** Builds `count` empty rows once; fillBars updates them in place, so the layout never moves. */
  function makeBars(container, count) {
    container.replaceChildren();
    for (let i = 0; i < count; i++) {
      const label = el("span", "label", "");
      const track = el("span", "track");
      track.append(el("span", "fill"));
      const pct = el("span", "pct", "");
      container.append(label, track, pct);
    }
  }

  /** rows: [{label, probability}] in display order; labels shown as given (spaces made visible). */
  function fillBars(container, rows, best) {
    const cells = container.children;
    const count = cells.length / 3;
    for (let i = 0; i < count; i++) {
      const row = rows[i];
      const label = cells[3 * i], track = cells[3 * i + 1], pct = cells[3 * i + 2];
      label.replaceChildren();
      if (row) label.append(visible(row.label));
      track.firstChild.style.width = row ? (100 * row.probability).toFixed(1) + "%" : "0";
      pct.textContent = row ? (100 * row.probability).toFixed(1) + " %" : "";
      const isBest = row !== undefined && row.label === best;
      label.classList.toggle("best", isBest);
      track.classList.toggle("best", isBest);
    }
    container.dataset.filled = String(Math.min(rows.length, count));
  }

  /** A character as it can be seen: a space, newline or tab by a symbol of its own. */
  function visible(text) {
    const names = { " ": "␣", "\n": "⏎", "\t": "⇥" };
    if (names[text]) return el("span", "space", names[text]);
    return document.createTextNode(text);
  }

  // ---- language model: a stream for the next character, the complete route for completions ----

  const lm = {
    input: $("lm-input"),
    stream: null,              // {id, model, text, next}: the service's stream and the text it has read
    queue: Promise.resolve(),  // stream requests run one after another, in typing order
    completedFor: "",          // the text the shown completions continue
    completions: [],
    selected: 0,
  };

  function dropStream() {
    const s = lm.stream;
    lm.stream = null;
    if (s) fetch("/v1/streams/" + s.id, { method: "DELETE", keepalive: true }).catch(() => {});
  }

  /** Brings the stream of model `name` to `text`: appends what was added, or starts again after any other edit. */
  async function syncStream(name, text) {
    const s = lm.stream;
    if (s && s.model === name && text.startsWith(s.text)) {
      const added = text.slice(s.text.length);
      if (added === "") return s.next;
      try {
        const r = await api("POST", "/v1/streams/" + s.id + "/append", { text: added, top: NEXT_ROWS });
        s.text = text;
        s.next = r.next;
        return r.next;
      } catch (e) {
        dropStream();
        if (e.status !== 404) throw e;   // 404: the stream idled out or was evicted; open another below
      }
    } else {
      dropStream();
    }
    const r = await api("POST", "/v1/models/" + encodeURIComponent(name) + "/streams", { prefix: text, top: NEXT_ROWS });
    lm.stream = { id: r.id, model: name, text, next: r.next };
    return r.next;
  }

  const lmLive = live($("view-lm"), lm.input, (text, isCurrent) => {
    if (text === "") {
      dropStream();
      fillBars($("lm-bars"), [], null);
      showCompletions("", []);
      return;
    }
    const name = model.name;
    // a text already superseded is not sent at all: the newer update brings the stream further
    const drawn = lm.queue = lm.queue
      .then(() => (isCurrent() ? syncStream(name, text) : null))
      .then((next) => {
        if (next && isCurrent()) {
          fillBars($("lm-bars"), next.map((n) => ({ label: n.character, probability: n.probability })), next[0].character);
        }
      })
      .catch((e) => {
        if (isCurrent()) status(e.message, true);
      });
    const completed = api("POST", "/v1/models/" + encodeURIComponent(name) + "/complete",
      { prefix: text, k: COMPLETIONS, beam: COMPLETIONS, length: COMPLETION_LENGTH })
      .then((r) => {
        if (!isCurrent()) return;
        // a completion ends at a line break, since the input holds one line; those left the same are shown once
        const texts = [], logProbabilities = [];
        for (const c of r.continuations) {
          const line = c.text.split("\n")[0];
          if (line !== "" && !texts.includes(line)) {
            texts.push(line);
            logProbabilities.push(c.logProbability);
          }
        }
        showCompletions(text, texts, logProbabilities);
      });
    return Promise.all([drawn, completed]);
  });

  function makeCompletions() {
    const list = $("lm-completions");
    list.replaceChildren();
    for (let i = 0; i < COMPLETIONS; i++) {
      const item = el("li", "empty");
      item.id = "lm-completion-" + i;
      item.setAttribute("role", "option");
      item.addEventListener("mousedown", (e) => {
        e.preventDefault();   // keep the focus in the input
        pick(i);
      });
      list.append(item);
    }
  }

  function showCompletions(text, completions, logProbabilities) {
    lm.completedFor = text;
    lm.completions = completions;
    lm.selected = 0;
    const typed = text.length > TYPED_SHOWN ? "…" + text.slice(-TYPED_SHOWN) : text;
    const items = $("lm-completions").children;
    for (let i = 0; i < items.length; i++) {
      const item = items[i];
      item.replaceChildren();
      item.classList.toggle("empty", i >= completions.length);
      if (i < completions.length) {
        item.append(el("span", "typed", typed), el("span", "added", completions[i]),
          el("span", "logp", "log p " + logProbabilities[i].toFixed(2)));
        item.title = "log-probability " + logProbabilities[i].toFixed(3);
      }
    }
    lm.input.setAttribute("aria-expanded", String(completions.length > 0));
    select(0);
  }

  function select(i) {
    lm.selected = i;
    const items = $("lm-completions").children;
    for (let j = 0; j < items.length; j++) {
      items[j].setAttribute("aria-selected", String(j === i && j < lm.completions.length));
    }
    if (i < lm.completions.length) lm.input.setAttribute("aria-activedescendant", "lm-completion-" + i);
    else lm.input.removeAttribute("aria-activedescendant");
  }

  /** Takes completion i, if it still continues what is in the input (typing part of it is fine). */
  function pick(i) {
    if (i >= lm.completions.length) return false;
    const whole = lm.completedFor + lm.completions[i];
    if (!whole.startsWith(lm.input.value)) return false;
    lm.input.value = whole;
    lm.input.setSelectionRange(whole.length, whole.length);
    lmLive.now();
    return true;
  }

  lm.input.addEventListener("keydown", (e) => {
    const n = lm.completions.length;
    if (n === 0) return;
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      select((lm.selected + (e.key === "ArrowDown" ? 1 : n - 1)) % n);
    } else if ((e.key === "Tab" || e.key === "Enter") && !e.shiftKey && !e.altKey && !e.ctrlKey && !e.metaKey) {
      if (pick(lm.selected)) e.preventDefault();
    } else if (e.key === "Escape") {
      showCompletions(lm.completedFor, []);
    }
  });

  // ---- classifier: every label, in the model's order, as a bar ----------------------------------

  const classifierLive = live($("view-classifier"), $("classifier-input"), async (text, isCurrent) => {
    if (text.trim() === "") {
      fillBars($("classifier-bars"), [], null);
      return;
    }
    const r = await api("POST", "/v1/models/" + encodeURIComponent(model.name) + "/classify", { text });
    if (!isCurrent()) return;
    const byLabel = new Map(r.labels.map((l) => [l.label, l.probability]));
    fillBars($("classifier-bars"), model.labels.map((l) => ({ label: l, probability: byLabel.get(l) || 0 })), r.label);
  });

  // ---- tagger: a tag under each word ---------------------------------------------------------

  function tagColour(tag) {
    let h = 0;
    for (const c of tag) h = (h * 31 + c.codePointAt(0)) % 360;
    return "hsl(" + h + " 55% 38%)";
  }

  const taggerLive = live($("view-tagger"), $("tagger-input"), async (text, isCurrent) => {
    const out = $("tagger-output");
    if (text.trim() === "") {
      out.replaceChildren();
      return;
    }
    const r = await api("POST", "/v1/models/" + encodeURIComponent(model.name) + "/tag", { text });
    if (!isCurrent()) return;
    out.replaceChildren(...r.words.map((w, i) => {
      const word = el("span", "word");
      const tag = el("span", "tag", r.tags[i]);
      tag.style.background = tagColour(r.tags[i]);
      word.append(el("span", "token", w), tag);
      return word;
    }));
  });

  // ---- seq2seq: the translation and its attention heatmap ---------------------------------------

  const seq2seqLive = live($("view-seq2seq"), $("seq2seq-input"), async (text, isCurrent) => {
    const heatmap = $("seq2seq-heatmap");
    if (text.trim() === "") {
      $("seq2seq-translation").textContent = "";
      heatmap.replaceChildren();
      return;
    }
    const attention = (model.settings || {}).attention !== "none";
    const r = await api("POST", "/v1/models/" + encodeURIComponent(model.name) + "/translate", attention ? { text, attention: true } : { text });
    if (!isCurrent()) return;
    $("seq2seq-translation").textContent = r.translation;
    heatmap.replaceChildren();
    if (!r.attention) {
      heatmap.append(el("caption", "", "this model has no attention to show"));
      return;
    }
    const head = el("tr");
    head.append(el("th"));
    for (const s of r.attention.source) head.append(el("th", "", s));
    const thead = el("thead");
    thead.append(head);
    const tbody = el("tbody");
    r.attention.weights.forEach((row, t) => {
      const tr = el("tr");
      tr.append(el("th", "", r.attention.output[t]));
      row.forEach((w, j) => {
        const td = el("td");
        td.style.background = "rgba(31, 85, 184, " + Math.max(0.04, w).toFixed(3) + ")";
        td.title = r.attention.output[t] + " ← " + r.attention.source[j] + ": " + w.toFixed(3);
        tr.append(td);
      });
      tbody.append(tr);
    });
    heatmap.append(thead, tbody);
  });

  // ---- picking a model -----------------------------------------------------------------------

  const VIEWS = {
    "char-lm": { section: "view-lm", live: lmLive, input: "lm-input", placeholder: "Start typing…" },
    "sentence-classifier": { section: "view-classifier", live: classifierLive, input: "classifier-input", placeholder: "the food was great" },
    "sequence-tagger": { section: "view-tagger", live: taggerLive, input: "tagger-input", placeholder: "The dog sees Bob." },
    "seq2seq": { section: "view-seq2seq", live: seq2seqLive, input: "seq2seq-input", placeholder: "Start typing…" },
  };

  function describe(m) {
    const parts = [m.task];
    const sizes = m.sizes || {};
    const cell = (m.settings || {}).cell;
    if (sizes.hidden) parts.push((cell ? cell.toUpperCase() + " " : "") + (sizes.layers || 1) + "×" + sizes.hidden);
    if (m.task === "char-lm") parts.push(m.vocabularySize + " characters");
    else if (m.labels) parts.push(m.labels.length + " labels");
    else if (m.tags) parts.push(m.tags.length + " tags");
    else if (m.targetVocabularySize) parts.push(m.vocabularySize + " → " + m.targetVocabularySize + " tokens");
    return parts.join(" · ");
  }

  function choose(name) {
    const next = models.find((m) => m.name === name) || models[0];
    if (model && model.task === "char-lm" && next !== model) dropStream();
    model = next;
    $("model").value = model.name;
    history.replaceState(null, "", "#" + encodeURIComponent(model.name));
    const about = $("about");
    about.replaceChildren(el("strong", "", model.name), document.createTextNode(" · " + describe(model)));
    const view = VIEWS[model.task];
    for (const v of Object.values(VIEWS)) {
      $(v.section).hidden = v !== view;
      delete $(v.section).dataset.shows;
    }
    status("", false);
    if (!view) {
      about.append(document.createTextNode(" · this page has no view for this task"));
      return;
    }
    if (model.task === "char-lm") {
      makeBars($("lm-bars"), Math.min(NEXT_ROWS, model.vocabularySize));
      makeCompletions();
      showCompletions("", []);
    } else if (model.task === "sentence-classifier") {
      makeBars($("classifier-bars"), model.labels.length);
    }
    const input = $(view.input);
    input.placeholder = view.placeholder;
    input.focus();
    view.live.now();
  }

  async function start() {
    try {
      models = (await api("GET", "/v1/models")).models;
    } catch (e) {
      $("about").textContent = "The models could not be listed: " + e.message;
      return;
    }
    const picker = $("model");
    for (const m of models) {
      const option = el("option", "", m.name + " (" + m.task + ")");
      option.value = m.name;
      picker.append(option);
    }
    picker.addEventListener("change", () => choose(picker.value));
    status("", false);
    choose(decodeURIComponent(location.hash.slice(1)));
  }

  window.addEventListener("pagehide", dropStream);
  start();
})();

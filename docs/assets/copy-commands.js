// Copy only what a reader should type: for `console` and `pycon` blocks the copy button puts the
// commands on the clipboard, without the `$ ` / `>>> ` / `... ` prompts and without the output.
//
// Why this way: Material's button copies the block's innerText (prompts and output included). Its
// clipboard handler prefers a `data-clipboard-text` attribute on the button when one is present, so a
// capture-phase click listener on `document` fills that attribute in just before Material reads it.
// The listener sits on `document`, which instant navigation keeps, so it works on every page a reader
// reaches without a full reload; it is registered once even if this script is evaluated again.
//
// Lines are classified from the spans Pygments writes, by the same rule the docs harness runs them
// with: a `console` line whose prompt (`.gp`) is `$ ` is a command, and so is a line that follows a
// command ending in a backslash; a `pycon` line whose prompt is `>>> ` or `... ` is code. Every other
// line is output (`.go`, tracebacks, blank lines, a `# ` that Pygments takes for a root prompt) and
// is left out.
(function () {
  "use strict";

  var FLAG = "__brkdocCopyCommands";
  if (window[FLAG]) {
    return;
  }
  window[FLAG] = true;

  var LANGUAGES = ["console", "pycon"];
  var PROMPTS = { console: ["$"], pycon: [">>>", "..."] };

  function languageOf(code) {
    var block = code.closest("[class*='language-']");
    if (!block) {
      return null;
    }
    for (var i = 0; i < LANGUAGES.length; i += 1) {
      if (block.classList.contains("language-" + LANGUAGES[i])) {
        return LANGUAGES[i];
      }
    }
    return null;
  }

  // Split the code element into lines, remembering for each the prompt it opened with, if any.
  function readLines(code) {
    var lines = [];
    var current = { prompt: "", text: "", started: false };
    var walker = document.createTreeWalker(code, NodeFilter.SHOW_TEXT);
    var node = walker.nextNode();
    while (node) {
      var parent = node.parentElement;
      var skip = parent && parent.closest(".md-annotation, .md-annotation__index");
      if (!skip) {
        var isPrompt = Boolean(parent && parent.closest(".gp"));
        var pieces = node.data.split("\n");
        for (var i = 0; i < pieces.length; i += 1) {
          if (i > 0) {
            lines.push(current);
            current = { prompt: "", text: "", started: false };
          }
          var piece = pieces[i];
          if (piece === "") {
            continue;
          }
          if (isPrompt) {
            // A prompt counts only at the start of a line; the prompt itself is never copied.
            if (!current.text) {
              current.prompt += piece;
            }
          } else {
            current.text += piece;
          }
          current.started = true;
        }
      }
      node = walker.nextNode();
    }
    if (current.started) {
      lines.push(current);
    }
    return lines;
  }

  function commandsOf(code, language) {
    var commands = [];
    var continues = false;
    var prompts = PROMPTS[language];
    readLines(code).forEach(function (line) {
      var prompted = prompts.indexOf(line.prompt.trim()) !== -1;
      if (prompted || continues) {
        commands.push(line.text.replace(/\s+$/, ""));
        continues = language === "console" && /\\\s*$/.test(line.text);
      } else {
        continues = false;
      }
    });
    return commands.join("\n");
  }

  function targetOf(button) {
    var selector = button.getAttribute("data-clipboard-target");
    if (!selector) {
      return null;
    }
    try {
      return document.querySelector(selector);
    } catch (error) {
      return null;
    }
  }

  document.addEventListener(
    "click",
    function (event) {
      var origin = event.target;
      if (!(origin instanceof Element)) {
        return;
      }
      var button = origin.closest("[data-clipboard-target]");
      if (!button) {
        return;
      }
      var code = targetOf(button);
      var language = code && languageOf(code);
      if (!language) {
        button.removeAttribute("data-clipboard-text");
        return;
      }
      var text = commandsOf(code, language);
      if (text) {
        button.setAttribute("data-clipboard-text", text);
      } else {
        button.removeAttribute("data-clipboard-text");
      }
    },
    true
  );

  // Accessible names for two of Material's ARIA widgets that ship without one: the search dialog
  // and the instant-loading progress bar (axe-core: aria-dialog-name, aria-progressbar-name). The
  // header can be re-rendered by instant navigation, so this runs on every page Material shows.
  var NAMES = [
    [".md-search[role='dialog']", "Search"],
    [".md-progress[role='progressbar']", "Loading page"],
  ];

  function nameWidgets() {
    NAMES.forEach(function (entry) {
      document.querySelectorAll(entry[0]).forEach(function (element) {
        if (!element.hasAttribute("aria-label") && !element.hasAttribute("aria-labelledby")) {
          element.setAttribute("aria-label", entry[1]);
        }
      });
    });
  }

  // Notebook code, printed output and charts that scroll sideways can be reached and scrolled from
  // the keyboard, as Material makes its own code blocks (axe-core: scrollable-region-focusable).
  function focusableNotebookCode() {
    var selector = [
      ".jupyter-wrapper .highlight-ipynb",
      ".jupyter-wrapper .highlight-ipynb pre",
      ".jupyter-wrapper .jp-InputArea-editor pre",
      ".jupyter-wrapper .jp-RenderedText pre",
      ".jupyter-wrapper .jp-OutputArea-output",
    ].join(", ");
    document.querySelectorAll(selector).forEach(function (element) {
      var scrolls = element.scrollWidth > element.clientWidth;
      if (scrolls && !element.hasAttribute("tabindex")) {
        element.setAttribute("tabindex", "0");
      }
    });
  }

  // A code annotation's number is a link to the annotation's tooltip, which Material adds to the
  // page only while the annotation is open: the link has no text and leads nowhere (axe-core:
  // link-name). The annotation itself (the focusable <aside> around the number) is what opens the
  // tooltip, on click or keyboard focus, so the number stops being a link and the annotation gets
  // the name instead.
  function nameAnnotations() {
    var indexes = document.querySelectorAll(".md-annotation > .md-annotation__index[href]");
    indexes.forEach(function (index) {
      var number = index.querySelector("[data-md-annotation-id]");
      var annotation = index.parentElement;
      index.removeAttribute("href");
      if (number && !annotation.hasAttribute("aria-label")) {
        var name = "Note " + number.getAttribute("data-md-annotation-id");
        annotation.setAttribute("aria-label", name);
      }
    });
  }

  function onEveryPage() {
    nameWidgets();
    nameAnnotations();
    focusableNotebookCode();
  }

  onEveryPage();
  if (window.document$ && typeof window.document$.subscribe === "function") {
    window.document$.subscribe(onEveryPage);
  }
})();

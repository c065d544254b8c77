"""Every diagnostic code dossier can report: its severities, what it means and how to
fix it, grouped by prefix. `dossier codes` prints it; `dossier codes --markdown` writes
the manual's chapter on diagnostics (docs/chapters/06-diagnostics.md).

Only the CLI's `codes` command and the tests import this module: a build never needs it.
tests/test_codes.py checks that the codes here are exactly the codes the package emits,
with the same severities, so a new code must be added here (then regenerate the page:
`dossier codes --markdown > docs/chapters/06-diagnostics.md`).
"""

from __future__ import annotations

from dataclasses import dataclass

from .diagnostics import Severity

E, W, N = Severity.ERROR, Severity.WARNING, Severity.NOTE


@dataclass(frozen=True, slots=True)
class Code:
    """One code: the severities it is reported with, a one-line meaning and the fix."""

    code: str
    severities: tuple[Severity, ...]
    meaning: str
    fix: str


@dataclass(frozen=True, slots=True)
class Group:
    """The codes sharing a prefix (`bib` for `bib.syntax`, `bib.year` ...)."""

    prefix: str
    title: str
    description: str
    codes: tuple[Code, ...]


GROUPS: tuple[Group, ...] = (
    Group(
        "config",
        "The project file",
        "Problems in `dossier.toml`, the file that names the chapters, the bibliography, "
        "the citation style and the options. While it has an error nothing else is built.",
        (
            Code(
                "config.clamped",
                (N,),
                "A `[pdf]` setting (`jobs`, `memory_mb` or `timeout`) is outside the range "
                "this machine allows; the nearest allowed value is used and the build goes on.",
                "Set it within the range the message gives, or leave it out for the default.",
            ),
            Code(
                "config.csl",
                (E,),
                "The citation style given by `csl` cannot be found: no installed style has "
                "that name, or the `.csl` file is missing, outside the project or unreadable "
                "(problems inside a style file have `csl` codes).",
                "Give the name of an installed style such as `apa`, `chicago-author-date` or "
                "`modern-language-association` (the hint suggests names close to yours), or "
                "the path of a `.csl` file inside the project, relative to `dossier.toml`.",
            ),
            Code(
                "config.duplicate",
                (E,),
                "Two keys with the same meaning are both set: `author` and `authors`, `lang` "
                "and `language`, or `style` and `csl`.",
                "Keep one of the two.",
            ),
            Code(
                "config.duplicate-chapter",
                (E,),
                "The same file is listed twice in `chapters`.",
                "Remove the second entry; each chapter is listed once, in reading order.",
            ),
            Code(
                "config.missing",
                (E,),
                "There is no `dossier.toml` in the project folder.",
                "Run dossier in the project folder (or give it with `-C DIR`); start a new "
                "project with `dossier new DIR`.",
            ),
            Code(
                "config.missing-key",
                (E,),
                "A required key is missing: every project needs a `title` and a list of "
                "`chapters`.",
                'Add it, for example `title = "My report"` and '
                '`chapters = ["chapters/01-introduction.md"]`.',
            ),
            Code(
                "config.output",
                (E,),
                "The output folder (`output` in `dossier.toml`, or `-o`) cannot be used: it "
                "would overwrite the project or one of its inputs, it is a file, it cannot "
                "be read, or it holds other files and no previous dossier build.",
                "Use a dedicated folder such as `build`. dossier replaces the whole output "
                "folder on every build, so it refuses a folder holding anything else; choose "
                "a new name rather than emptying a folder you need.",
            ),
            Code(
                "config.pdf-filename",
                (E,),
                "`filename` under `[pdf]` is not a usable file name.",
                'Give a plain file name ending in `.pdf`, such as `filename = "report.pdf"`: '
                "no folders, no leading dot, no reserved device name such as `con`. Or leave "
                "it out and the PDF is named after the title.",
            ),
            Code(
                "config.pdf-standard",
                (E,),
                "`standard` under `[pdf]` names no PDF standard dossier can make.",
                'Use one of `"ua-1"` (tagged and accessible, the default), `"a-3b"` '
                '(archival), `"a-3a"` (archival and tagged), `"ua-1+a-3a"` (both) or '
                '`"none"` (a plain PDF).',
            ),
            Code(
                "config.syntax",
                (E,),
                "`dossier.toml` is not valid TOML.",
                "Look at the line and column given. Usual causes: text without double "
                'quotes (`title = "My report"`), a missing comma or bracket in a list, or '
                "a key set twice.",
            ),
            Code(
                "config.type",
                (E,),
                "A setting has a value of the wrong kind: a list where text is expected, "
                "text where a number is expected, a list holding something other than text.",
                "Write the value in the form the message names: text in double quotes, "
                'lists in square brackets (`authors = ["Ann Author"]`), numbers and '
                "`true`/`false` without quotes.",
            ),
            Code(
                "config.unknown-key",
                (E,),
                "`dossier.toml` sets a key dossier does not know, at the top level or "
                "under `[html]` or `[pdf]`.",
                "Correct the spelling (the hint names the closest known key) or remove the "
                "line; a setting under the wrong table heading is unknown there too.",
            ),
        ),
    ),
    Group(
        "csl",
        "Citation style files",
        "Problems in the CSL style file used for citations (the `csl` setting). dossier "
        "reads every style itself before Pandoc does, and refuses what could make Pandoc "
        "read other files or reach the network.",
        (
            Code(
                "csl.dtd",
                (E,),
                "The style has a DTD (`<!DOCTYPE ...>`), or declares or uses an entity "
                "other than XML's own (`&amp;`, `&lt;` ...).",
                "Remove the `<!DOCTYPE ...>` declaration, which a CSL style never needs, and "
                "write characters themselves instead of named entities.",
            ),
            Code(
                "csl.parent",
                (E,),
                "A dependent style names a parent that is not an installed CSL style, names "
                "more than one parent, or has a parent that is itself dependent.",
                "Name an installed style as the parent, as "
                "`http://www.zotero.org/styles/NAME`; or copy the parent style into the "
                "project and give its path as `csl`.",
            ),
            Code(
                "csl.syntax",
                (E,),
                "The style file is not well-formed UTF-8 XML, declares another encoding, "
                "has a root element other than `<style>`, or is larger than 4 MB.",
                "Download the style again (from the Zotero Style Repository, for example), "
                "or correct it at the line given; save it as UTF-8.",
            ),
        ),
    ),
    Group(
        "load",
        "Reading files",
        "Problems opening the files a project names: `dossier.toml`, chapters, the "
        "bibliography, timeline data. dossier reads only regular files inside the project "
        "folder, each kind up to a size limit.",
        (
            Code(
                "load.encoding",
                (E,),
                "The file is not valid UTF-8 (or UTF-16) text; the bad bytes are shown as "
                "\u00ab\ufffd\u00bb and the position of each is reported.",
                "Save the file as UTF-8 in your editor. Text pasted from old Windows "
                "programs or converted from PDF is the usual cause; retype the characters "
                "at the positions given.",
            ),
            Code(
                "load.missing",
                (E,),
                "A file named in the project does not exist.",
                "Check the path and its spelling, including capitals: paths are relative to "
                "the folder holding `dossier.toml`.",
            ),
            Code(
                "load.not-a-file",
                (E,),
                "The path names a folder, a device or a pipe, not a regular file.",
                "Name the file itself, for example `chapters/01-introduction.md`, not `chapters`.",
            ),
            Code(
                "load.outside",
                (E,),
                "The file is outside the project folder, by its path (`../`, an absolute "
                "path) or through a symbolic link, or was changed into a symbolic link while "
                "it was read.",
                "Copy the file into the project folder and name it by its path relative to "
                "`dossier.toml`; a project must build from its own folder alone.",
            ),
            Code(
                "load.too-large",
                (E,),
                "The file is larger than dossier reads for its kind (the message gives the "
                "limit): 8 MB for a chapter, for example, and 64 MB for a bibliography.",
                "Split a long chapter into several; a whole book is about 1 MB of Markdown. "
                "A file this large is often a paste of binary data.",
            ),
            Code(
                "load.unreadable",
                (E,),
                "The file exists but cannot be read; the message gives the system's reason.",
                "Check that you may read the file (its permissions, a disk that is still "
                "connected).",
            ),
        ),
    ),
    Group(
        "md",
        "Markdown chapters",
        "Problems in the Markdown of a chapter. Untrusted Markdown is kept inert: what "
        "could run code or reach the network is shown as text.",
        (
            Code(
                "md.ambiguous",
                (W,),
                "A list, a `#` heading or a `>` block quote starts on the line right under a "
                "paragraph. Pandoc reads it as part of the paragraph (it needs a blank line "
                "before), and so does dossier; CommonMark and GitHub would start the list, "
                "heading or quote there.",
                "Add a blank line before it if it is meant as a list, heading or quote; "
                "otherwise leave it, or escape the marker (`\\-`, `\\#`, `\\>`).",
            ),
            Code(
                "md.bidi",
                (W,),
                "A chapter or `dossier.toml` (its titles, its file names) holds an "
                "invisible bidirectional control (an embedding, "
                "override or isolate, U+202A to U+202E or U+2066 to U+2069). It changes "
                "the order in which readers see the text without changing the text itself, "
                "so a quotation or a key can look like something else (the 'Trojan Source' "
                "trick). The first 20 in a file are reported.",
                "Delete the character; Persian, Arabic or Hebrew text needs none of these "
                "to be shown right to left.",
            ),
            Code(
                "md.empty",
                (W,),
                "The chapter file is empty.",
                "Write the chapter, or remove it from `chapters` in `dossier.toml`.",
            ),
            Code(
                "md.front-matter",
                (E, W),
                "The front matter (the block between `---` lines at the top of a chapter) is "
                "not valid YAML, not a list of `key: value` lines, nested too deeply, or its "
                "`title` is not text (errors); a metadata key dossier shows has the wrong "
                "shape (`author` not a name or a list of names, `lang` not a language tag, "
                "`dir` not `ltr`, `rtl` or `auto`, `subtitle`, `date` or `abstract` not text), "
                "or the metadata is over 64 KiB or holds too many values (warnings: that key "
                "or the rest is dropped).",
                "Write the key as the message says, and put a value holding a colon in "
                'quotes: `title: "Iran: a history"`.',
            ),
            Code(
                "md.link-refused",
                (W,),
                "A link is shown as plain text: it uses a scheme other than `http`, `https` "
                "and `mailto` (`file:`, `javascript:`), points to this computer or a local "
                "network, or is an absolute path or a path outside the project.",
                "Link to a public web address, or to a file inside the project with a "
                "relative path.",
            ),
            Code(
                "md.math",
                (W,),
                "A formula between `$...$` or `$$...$$` is not TeX math that dossier can "
                "read (an unclosed brace, an unknown command); it is shown as its TeX "
                "source, in the site and the PDF.",
                "Correct the formula: the message shows it. dossier reads the LaTeX math "
                "that latex2mathml reads; a dollar sign meant as money needs no change when "
                "a digit follows it (`$20`), otherwise write `\\$`.",
            ),
            Code(
                "md.no-title",
                (W,),
                "The chapter has no level-1 heading and no `title` in its front matter; it "
                "is named after its file.",
                "Start the chapter with a heading such as `# Origins {#sec-origins}`.",
            ),
            Code(
                "md.raw-format",
                (N,),
                "A fenced block marked for another format (```` ```{=latex} ````, "
                "`{=html}`, `{=typst}`) is left out of the site and the PDF. Pandoc leaves "
                "out formats other than the one it writes; dossier leaves out raw HTML too, "
                "since it never passes raw HTML through.",
                "Nothing to do if the block is meant for another tool; otherwise write its "
                "content in Markdown.",
            ),
            Code(
                "md.raw-html",
                (W,),
                "The chapter holds raw HTML (`<br>`, `<span>`, `<script>` ...); it is shown "
                "as text, never passed through.",
                "Write it in Markdown: `*emphasis*`, a backslash at the end of a line for a "
                "line break, a fenced div (`::: note` ... `:::`) for a box. To show a `<` as "
                "such, put it in backticks or write `\\<`.",
            ),
            Code(
                "md.too-deep",
                (E,),
                "Block quotes, lists and fenced divs are nested more than 48 levels deep; "
                "what lies deeper is not shown.",
                "Flatten the nesting. This is usually a runaway `>` or indentation left by "
                "a conversion from another format.",
            ),
            Code(
                "md.too-many-headings",
                (E,),
                "The dossier has more than 5,000 headings; the error stands at the first past "
                "the limit. Each heading is an entry of the PDF's outline and contents: 60,000 "
                "made a PDF of 3,300 pages that took minutes.",
                "Make the deeper headings bold paragraphs (`**Term.** text`), or split the "
                "dossier into several.",
            ),
            Code(
                "md.unclosed-div",
                (W,),
                "A fenced div opened with `::: name` is never closed, so it runs to the end "
                "of the chapter.",
                "Add a line holding only `:::` where the div should end.",
            ),
        ),
    ),
    Group(
        "xref",
        "Cross-references",
        "Problems with the identifiers of headings, figures and tables (`{#sec-origins}`) "
        "and the cross-references to them (`@sec-origins`, `@fig-map`, `@tbl-names`). "
        "Identifiers are shared by all the chapters of a dossier.",
        (
            Code(
                "xref.dead-link",
                (W,),
                "A link `[text](#id)` names an identifier that no heading, figure, table, "
                "fenced div, bracketed span or `<a name>` anchor in the dossier has, so it "
                "would lead nowhere. Links to `#ref-KEY` lead to the bibliography entry.",
                "Check the spelling against the target (the hint suggests close ones); a "
                "heading's identifier is Pandoc's, made from its text (`## Maître d'hôtel` "
                "is `#maître-dhôtel`), unless it is given as `{#id}`.",
            ),
            Code(
                "xref.duplicate-id",
                (E,),
                "Two headings, figures, tables, divs or spans are given the same identifier, "
                "in the same chapter or in two. The theme's own elements use ids that begin "
                "with `dossier-`, so any other id Pandoc allows is the author's.",
                "Rename one of them, and the cross-references meant for it.",
            ),
            Code(
                "xref.unknown",
                (E,),
                "A cross-reference names an identifier that no heading, figure or table has.",
                "Check its spelling against the `{#...}` of the target (the hint suggests "
                "close ones), or give the target that identifier.",
            ),
        ),
    ),
    Group(
        "cite",
        "Citations",
        "Problems with the citations in chapters (`[@smith2020, p. 4]`, `@smith2020`) and "
        "with the engine that formats them.",
        (
            Code(
                "cite.engine",
                (E,),
                "The citation engine (Pandoc with citeproc) failed, so no citation could be "
                "formatted; the message gives Pandoc's reason.",
                "If the reason names an entry or a field, correct it in the bibliography. "
                "If Pandoc could not run at all, reinstall dossier: it brings its own Pandoc.",
            ),
            Code(
                "cite.too-many-alike",
                (E,),
                "More than 1,000 cited entries share the same author and year. Pandoc "
                "would tell them apart (2020a, 2020b, ...) only after many minutes: 1,000 "
                "take 5 s, 6,000 took nine minutes. The error stands at the first entry "
                "past the limit.",
                "Look for entries duplicated by an import, or give the entries their real "
                "authors and years.",
            ),
            Code(
                "cite.unknown-key",
                (E,),
                "A citation, a `nocite` key in `dossier.toml` or the `cite` of a timeline "
                "event names a key that is not in the bibliography.",
                "Check the spelling against the BibTeX entry; keys are case-sensitive, and "
                "the hint suggests close keys and names invisible or look-alike characters. "
                "Or add the missing entry to the bibliography.",
            ),
            Code(
                "cite.unused-entry",
                (W,),
                "A bibliography entry is never cited.",
                'Cite it, list its key under `nocite` in `dossier.toml` (`nocite = ["*"]` '
                "lists every entry), or remove it.",
            ),
        ),
    ),
    Group(
        "bib",
        "The bibliography",
        "Problems in the BibTeX file named by `bibliography`. An entry with an error is "
        "skipped, so citations of it are reported as unknown keys as well.",
        (
            Code(
                "bib.crossref-cycle",
                (E,),
                "`crossref` or `xdata` links go round in a circle (a \u2192 b \u2192 a); the "
                "link that closes the circle is ignored.",
                "An entry inherits from its container (a chapter from its book), never the "
                "other way round: remove the field from the entry that should not have it.",
            ),
            Code(
                "bib.duplicate-field",
                (E, W),
                "An entry sets the same field twice, such as two `author` lines: the last "
                "value is used, as Pandoc does (a warning), or, where the entry cannot be "
                "read that way, it is skipped (an error).",
                "Keep one of them; several authors go in one field, separated by `and`: "
                "`author = {Smith, Jane and Jones, Bob}`.",
            ),
            Code(
                "bib.duplicate-key",
                (E,),
                "Two entries have the same key, or keys that differ only in capitals "
                "(`Smith2020`, `smith2020`).",
                "If both are the same work, delete one; otherwise give one a new key and "
                "update the citations meant for it.",
            ),
            Code(
                "bib.empty",
                (W,),
                "The bibliography holds no entries (it is empty, or holds only comments or "
                "text outside `@type{...}`).",
                "Add entries, or export the bibliography from your reference manager again.",
            ),
            Code(
                "bib.encoding",
                (E,),
                "The bibliography is not valid UTF-8 text; the position of each bad byte is "
                "reported.",
                "Export or save the file as UTF-8 (Zotero, JabRef and BibDesk can all "
                "export UTF-8), or retype the characters at the positions given.",
            ),
            Code(
                "bib.engine",
                (W,),
                "Pandoc warned while formatting the citations and the bibliography; the "
                "message repeats its words.",
                "Find the entry or field it names and correct it: often a malformed date "
                "or a LaTeX command Pandoc does not know.",
            ),
            Code(
                "bib.key",
                (E,),
                "An entry key holds characters Pandoc does not accept in a key (any of "
                '`" # % , < > \\ ^ { | } ~`, a space, a no-break space or an invisible '
                "character); the entry is skipped.",
                "Use letters, digits and `- _ : . /` in keys, and change the citations of the "
                "entry to match.",
            ),
            Code(
                "bib.markup",
                (W,),
                "A field holds an HTML tag, which Pandoc prints as text (`<i>` shows as "
                "`<i>`), or a `url` that dossier will not link (a `javascript:`, `file:` or "
                "local-network address).",
                "Write formatting in LaTeX (`\\emph{...}`, `\\textbf{...}`) and give web "
                "addresses as `http` or `https` URLs.",
            ),
            Code(
                "bib.missing",
                (E,),
                "The bibliography file named in `dossier.toml` does not exist.",
                "Check the path given by `bibliography` (by default `references.bib`, next "
                "to `dossier.toml`), or create the file.",
            ),
            Code(
                "bib.missing-field",
                (W,),
                "An entry lacks a field its type needs: a `title`; a `journal` for an "
                "`@article`; a `booktitle` (or `crossref`) for an `@incollection` or "
                "`@inproceedings`; or any of author, editor and title. Its reference will "
                "be incomplete.",
                "Add the field the message names.",
            ),
            Code(
                "bib.syntax",
                (E,),
                "An entry cannot be read: unbalanced braces, a missing comma between "
                "fields, no citation key, a value not in braces or quotes, or an extra `}` "
                "that ends the entry early. The entry is skipped.",
                "Look at the line given: an entry is `@type{key, field = {value}, ...}`, "
                "fields separated by commas, every `{` closed by a `}`.",
            ),
            Code(
                "bib.undefined-string",
                (E,),
                "A field uses an `@string` macro that is not defined, or a macro is used "
                "before its definition, defined in terms of itself, or expands to more "
                "than 1,000,000 characters.",
                "Define each `@string` before whatever uses it. A bare word is read as a "
                "macro name: write `publisher = {Penguin}`, not `publisher = Penguin`.",
            ),
            Code(
                "bib.year",
                (W,),
                "An entry's `year` is empty or not a number (`2020a`, `n.d.`, "
                "`forthcoming`), so the style cannot sort it or tell works apart.",
                "Follow the hint: write the year alone (the style adds `a`, `b` itself); "
                "leave the field out for an undated work (the style prints n.d.); write "
                "`pubstate = {forthcoming}` for a forthcoming one; put an exact date in "
                "`date = {YYYY-MM-DD}`.",
            ),
        ),
    ),
    Group(
        "media",
        "Images",
        "Problems with the images a chapter shows (`![caption](images/map.png)`). Only "
        "image files inside the project are used: nothing is fetched from the network. "
        "An image path is read relative to the chapter, then to the project folder.",
        (
            Code(
                "media.active",
                (E,),
                "An SVG image holds active content: a script, an event handler, embedded "
                "HTML or a link to another file or site.",
                "Remove it from the SVG (in Inkscape, save as Plain SVG), or save the image "
                "as PNG.",
            ),
            Code(
                "media.missing",
                (E,),
                "The image file does not exist.",
                "Check the path and its spelling, including capitals and the extension.",
            ),
            Code(
                "media.not-a-file",
                (E,),
                "The image path names a folder or a special file, not a regular file.",
                "Name the image file itself.",
            ),
            Code(
                "media.outside",
                (E,),
                "The image is outside the project: an absolute path, a `../` path leading "
                "out, or a symbolic link.",
                "Copy the image into the project (for example into `images/`) and give its "
                "relative path.",
            ),
            Code(
                "media.remote",
                (W,),
                "The image is a web address, a `data:` URL or another URL; dossier never "
                "fetches or embeds those, so it is not shown.",
                "Download the image, save it in the project and give its relative path.",
            ),
            Code(
                "media.too-large",
                (E,),
                "The image is larger than 20 MB.",
                "Export it smaller: 2000 pixels across is plenty for a page, and JPEG suits "
                "photographs.",
            ),
            Code(
                "media.type",
                (E,),
                "The file is not of an image type dossier shows (PNG, JPEG, GIF, WebP, SVG) "
                "nor timeline data (`.toml`).",
                "Convert the image to PNG or JPEG.",
            ),
        ),
    ),
    Group(
        "timeline",
        "Timeline data",
        "Problems in a TOML data file drawn as a timeline figure "
        "(`![caption](data/timeline.toml)`): a list of `[[event]]` tables, each with a "
        "`year`, a `label` and optionally the keys it is cited to, `cite`.",
        (
            Code(
                "timeline.empty",
                (E,),
                "The data file has no `[[event]]` entries.",
                'Add events: `[[event]]`, then `year = 1979`, `label = "Revolution"` and '
                '`cite = ["smith2020"]` on lines of their own.',
            ),
            Code(
                "timeline.field",
                (E,),
                "An event is not a table, its `year` is not a whole number, or its `label` "
                "is not text; the event is left out.",
                'Write `year = 1979` without quotes and `label = "..."` in double quotes, '
                "under a `[[event]]` line.",
            ),
            Code(
                "timeline.syntax",
                (E,),
                "The data file is not valid TOML.",
                "Look at the line and column given: text needs double quotes, lists need "
                "square brackets and commas.",
            ),
            Code(
                "timeline.too-long",
                (E,),
                "A timeline has more than 1,000 events. It is drawn with one row per event, "
                "so 12,000 events made a figure 200,000 pixels tall.",
                "Split it into several timelines, by period or by theme, each in its own "
                "data file.",
            ),
        ),
    ),
    Group(
        "abbr",
        "The list of abbreviations",
        "Problems in the TOML file named by `abbreviations` in `dossier.toml`: one "
        '`SHORT = "what it stands for"` a line, listed after the PDF\'s contents and on '
        "the site's title page.",
        (
            Code(
                "abbr.duplicate",
                (E,),
                "A short form is listed twice; the second is left out.",
                "Keep one of the two lines.",
            ),
            Code(
                "abbr.field",
                (E,),
                "A short form is not given its expansion as text (a number, a table, an "
                "empty string); it is left out.",
                'Write it as `MEK = "Mujahedin-e Khalq"`; a short form with a dot or a '
                'space in double quotes: `"U.S." = "United States"`.',
            ),
            Code(
                "abbr.syntax",
                (E,),
                "The file is not valid TOML.",
                "Look at the line and column given: the expansion needs double quotes, "
                "each entry a line of its own.",
            ),
            Code(
                "abbr.too-many",
                (E,),
                "The list has more than 1,000 abbreviations: each chapter is searched for "
                "every one of them.",
                "Keep the abbreviations the chapters use.",
            ),
            Code(
                "abbr.unused",
                (W,),
                "A short form in the list appears in no chapter (as a whole word, with the "
                "same capitals): a misspelling, or one left over from an earlier draft.",
                "Take it out of the list, or spell it as the chapters do.",
            ),
        ),
    ),
    Group(
        "quote",
        "Quotations",
        "A quotation is text in quotation marks followed at once by a citation, or a "
        "block quote whose last line is a citation. Each is checked against the archived "
        "copy of the cited source (see the `source` codes).",
        (
            Code(
                "quote.no-archive",
                (W,),
                "The quotation cannot be checked: the cited work has no archived copy.",
                "Save a copy of the source as `sources/KEY.txt` (or `.html`, `.md`, "
                "`.pdf`), named after the citation key, or name it in the entry's `file` "
                "field.",
            ),
            Code(
                "quote.not-in-source",
                (E,),
                "The quoted words were not found in the archived copy of the source; the "
                "message shows the closest passage.",
                "Compare the quotation with the passage shown and quote the source exactly; "
                "mark omissions with `...` or `[...]` and your own insertions with `[...]`. "
                "Differences of spacing, line breaks, quotation marks and dashes are "
                "already forgiven.",
            ),
            Code(
                "quote.wrong-page",
                (E,),
                "The quotation is in the source, but on another page than the one cited.",
                "Correct the page in the citation (`[@key, p. 12]`) to the page the message names.",
            ),
        ),
    ),
    Group(
        "source",
        "Archived sources",
        "Problems with the archived copies of sources (in the `sources` folder, "
        "`sources/KEY.txt`, `.md`, `.html` or `.pdf`) and with `sources.lock`, which "
        "records a fingerprint of each copy and of its bibliography entry so that a "
        "later change cannot pass unnoticed. `dossier sources` lists them all.",
        (
            Code(
                "source.changed",
                (W,),
                "An archived copy changed since it was locked; the message lists the "
                "citations and quotations it affects.",
                "Review the change and the citations listed, then run "
                "`dossier sources accept KEY` to lock the new copy.",
            ),
            Code(
                "source.entry-changed",
                (W,),
                "The bibliography entry of an archived source changed since it was locked; "
                "the message lists the citations the rebuild updates.",
                "Review the change, then run `dossier sources accept KEY`.",
            ),
            Code(
                "source.lock",
                (E,),
                "`sources.lock` cannot be read: it is damaged, or from another version of dossier.",
                "Restore it from your version control or backup; or review the archived "
                "sources and re-create it with `dossier sources accept`.",
            ),
            Code(
                "source.missing",
                (E,),
                "A locked archived copy is gone; the message lists where it is cited.",
                "Restore the file (from version control or a backup). If it was removed on "
                "purpose, run `dossier sources accept` without a key to forget it: that "
                "re-locks every source, so review the others first.",
            ),
            Code(
                "source.new",
                (W,),
                "An archived copy is not locked yet.",
                "Check that it is the right copy, then run `dossier sources accept KEY` (or "
                "`dossier sources accept` for all).",
            ),
            Code(
                "source.not-a-file",
                (E, W),
                "The archived copy is a folder or a special file, not a regular file (an "
                "error); or the sources folder holds a FIFO, device, socket or link to a "
                "folder, which is ignored (a warning).",
                "Replace it with the file itself, or remove it from the sources folder.",
            ),
            Code(
                "source.outside",
                (E, W),
                "A file in the sources folder is a symbolic link pointing outside the project "
                "(an error for an entry's archive, a warning for any other name there); it "
                "is never followed.",
                "Copy the file itself into the sources folder.",
            ),
            Code(
                "source.too-large",
                (E,),
                "The archived copy is larger than 64 MB.",
                "Archive the text alone: save the page as text, or a PDF without its images.",
            ),
            Code(
                "source.unknown-key",
                (E,),
                "`dossier sources accept` was given a key that is not in the bibliography.",
                "Check the spelling; `dossier sources` lists the keys.",
            ),
            Code(
                "source.unreadable",
                (E, W),
                "The archived copy cannot be read (an error), or no text could be taken "
                "from it, as from a damaged PDF (a warning: its quotations cannot be "
                "checked).",
                "Check the file's permissions; for a PDF without text, such as a scan, "
                "save the text (recognised by OCR, then checked) as `sources/KEY.txt` and "
                "remove the PDF.",
            ),
        ),
    ),
    Group(
        "live",
        "Sources on the live web",
        "Reported by the two commands that go online: `dossier sources fetch`, which "
        "archives the pages that bibliography entries name in their `url` field, and "
        "`dossier sources check --live`, which fetches every cited URL again and compares "
        "it with its archived copy. `dossier build` and `dossier check` never go online: "
        "they show what the last check recorded in `sources.lock`.",
        (
            Code(
                "live.changed",
                (W,),
                "The live page's text differs from its archived copy (compared as "
                "quotations are, so spacing and typography do not count); the message lists "
                "the citations it affects and the quotations no longer on the page.",
                "Read the change (`dossier sources check --live KEY` shows a short word "
                "diff). If your text still holds, nothing to do: the archived copy is what "
                "you cited. To cite the new text, `dossier sources fetch --refresh KEY`.",
            ),
            Code(
                "live.fetch-failed",
                (E,),
                "`dossier sources fetch` could not archive a page: the address is refused "
                "(not http or https, or on this computer or a local network), the name does "
                "not resolve, the connection or TLS failed, it took too long, it is larger "
                "than 50 MB, it redirects more than 5 times, or the server answered with an "
                "error status. The message gives the reason in one line.",
                "Check the `url` field. For a page on your own network, add `--allow-private`; "
                "for a slow server, `--timeout`. A page that is gone may be in a public web "
                "archive: save that copy by hand as `sources/KEY.html`.",
            ),
            Code(
                "live.gone",
                (W,),
                "The cited page is gone: HTTP 404 or 410, its host name no longer resolves, "
                'or its TLS certificate fails. Readers are shown "link dead" with the date '
                "and sent to the archived copy.",
                "Nothing is required: the archived copy stands in. Point the `url` field at "
                "the page's new address if it has one, or add a public archive's copy as "
                "`urlarchive`.",
            ),
            Code(
                "live.moved",
                (W,),
                "The cited URL now redirects somewhere else than when the page was archived. "
                "Readers are shown the link as moved, with the date.",
                "Check the new address; if it is the same work, put it in the `url` field "
                "and run `dossier sources fetch --refresh KEY`.",
            ),
            Code(
                "live.no-url",
                (E,),
                "`dossier sources fetch` was given the key of an entry without a `url` field.",
                "Add the page's address as `url`, or save the source by hand.",
            ),
            Code(
                "live.not-archivable",
                (E,),
                "The page is not HTML, PDF or text (an image, a program, an archive), so it "
                "cannot serve as an archived source.",
                "Cite the page that presents it, or save a text or PDF version by hand.",
            ),
            Code(
                "live.not-replaced",
                (E, W),
                "The page was not stored because another file already is the entry's "
                "archive: its `file` field names one (a warning, nothing is fetched), or "
                "the page is now of another type than the archived copy (an error: "
                "`sources/KEY.txt` would hide a new `sources/KEY.html`).",
                "Remove or rename the old copy (keep it in version control), then fetch again.",
            ),
            Code(
                "live.unreachable",
                (W,),
                "The cited page could not be checked this time: a timeout, a server error "
                "(HTTP 5xx), another error status, or an address refused by policy. Nothing "
                "is shown to readers.",
                "Try again later; a scheduled check does so by itself.",
            ),
            Code(
                "live.unsafe-key",
                (E,),
                "The entry's key cannot be used as a file name in the sources folder "
                "(characters other than letters, digits and `_.:+-`).",
                "Save the page by hand under another name and give it in the entry's `file` field.",
            ),
        ),
    ),
    Group(
        "theme",
        "Templates and stylesheets",
        "Problems in the project's `templates/` folder, whose files replace those of "
        "dossier's theme of the same name. A dossier never publishes active content: "
        "scripts, frames, forms or event handlers.",
        (
            Code(
                "theme.active",
                (E,),
                "A template or stylesheet holds active content (a `<script>` other than the "
                "theme's, an `<iframe>`, `<object>`, `<embed>` or `<form>`, an `on...=` "
                "event handler, a refresh, a CSS `expression(` or `javascript:`), or a "
                "template produced some when rendered.",
                "Remove it. Write tags and attributes literally in templates, never "
                "assembled from `{{ ... }}`.",
            ),
            Code(
                "theme.encoding",
                (E,),
                "A template or stylesheet is not UTF-8 text.",
                "Save it as UTF-8.",
            ),
            Code(
                "theme.not-a-file",
                (E,),
                "Something in `templates/` is not a regular file (a link to a folder, a "
                "pipe); it is ignored.",
                "Replace it with a regular file, or remove it.",
            ),
            Code(
                "theme.outside",
                (E,),
                "`templates/`, or a file in it, is a symbolic link pointing outside the "
                "project; it is ignored.",
                "Copy the folder or file itself into the project.",
            ),
            Code(
                "theme.render",
                (E,),
                "A project template failed while a page was made: it uses a name that is "
                "not defined, or something the template sandbox forbids.",
                "Compare the template with dossier's own of the same name, which shows the "
                "names a template is given.",
            ),
            Code(
                "theme.script",
                (W,),
                "A `.js` file in `templates/` is ignored: the site's script always comes "
                "from dossier's theme.",
                "Remove the file.",
            ),
            Code(
                "theme.syntax",
                (E,),
                "A template is not valid Jinja: an unclosed `{% ... %}` block or `{{ ... }}`.",
                "Look at the line given and close what is open (`{% endif %}`, "
                "`{% endfor %}`, `}}`).",
            ),
            Code(
                "theme.url",
                (E, W),
                "A stylesheet's `url()`, `@import` or `image-set()` is refused: a web "
                "address (a warning: it is never fetched, so the PDF goes without it), or a "
                "path outside the project or not to a file, a `data:` URL other than an "
                "image or font, or another kind of URL (errors).",
                "Save the font or image in `templates/` and refer to it by a relative path.",
            ),
        ),
    ),
    Group(
        "output",
        "Writing the build",
        "Problems of the machine, not of the project: the build could not be written. "
        "The previous build stays as it was.",
        (
            Code(
                "output.unwritable",
                (E,),
                "A file of the build or the output folder itself could not be written: "
                "the disk is full or over quota, a file size limit (`ulimit -f`) was "
                "reached, or the folder is read-only.",
                "Free some disk space, raise the limit, or build into a writable folder "
                "with `dossier build -o DIR`.",
            ),
        ),
    ),
    Group(
        "pdf",
        "The PDF",
        "Problems laying out the PDF. An error here stops the whole build, the HTML site "
        "included; `dossier build --html` builds the site alone meanwhile.",
        (
            Code(
                "pdf.contents-long",
                (N,),
                "The dossier has more than 500 sections, so the PDF's contents lists chapters "
                "only (each line's page number costs WeasyPrint a new layout of the contents "
                "pages: 2,000 sections added 20 s). The site's contents and the PDF's "
                "bookmarks still list every section.",
                "Nothing to do; fewer level-2 headings bring the sections back.",
            ),
            Code(
                "pdf.failed",
                (E,),
                "The PDF could not be made; the message gives the reason, for example that "
                "the renderer ran out of memory.",
                "If memory ran out, raise `memory_mb` under `[pdf]` in `dossier.toml` "
                "(default 4096) or make large images smaller; otherwise report the message.",
            ),
            Code(
                "pdf.renderer",
                (W,),
                "WeasyPrint, which lays out the PDF, warned; the message repeats its words.",
                "Usually a CSS property it ignores, or a font or image it could not load, in "
                "a stylesheet of `templates/`: correct or remove it.",
            ),
            Code(
                "pdf.timeout",
                (E,),
                "Making the PDF took longer than allowed and was stopped.",
                "Raise `timeout` under `[pdf]` in `dossier.toml` (in seconds; default 600), "
                "or make large images smaller.",
            ),
        ),
    ),
    Group(
        "cache",
        "The build cache",
        "dossier keeps what it computed in the output folder, so that a rebuild redoes "
        "only what changed.",
        (
            Code(
                "cache.ignored",
                (N,),
                "The build cache is damaged or from another version of dossier, so "
                "everything is built again.",
                "Nothing: the cache mends itself. A note is never made an error by `--strict`.",
            ),
        ),
    ),
    Group(
        "internal",
        "Bugs in dossier",
        "Not a problem in the project, but in dossier itself.",
        (
            Code(
                "internal",
                (E,),
                "`dossier serve` hit a bug in dossier while rebuilding; it keeps serving the "
                "last good site.",
                "Please report it with the message and what you changed; restarting "
                "`dossier serve` starts afresh.",
            ),
        ),
    ),
)

CODES: tuple[Code, ...] = tuple(c for g in GROUPS for c in g.codes)


def by_code() -> dict[str, Code]:
    return {c.code: c for c in CODES}


def _severities(code: Code) -> str:
    return "/".join(s.value for s in code.severities)


def plain() -> str:
    """One line per code: the code, its severities and its meaning."""
    width = max(len(c.code) for c in CODES)
    sev = max(len(_severities(c)) for c in CODES)
    return "".join(f"{c.code:<{width}}  {_severities(c):<{sev}}  {c.meaning}\n" for c in CODES)


_INTRO = """\
# Diagnostics {#sec-diagnostics}

dossier reports every problem it finds in a project on one line, in the form

```
path:line:col: severity: message (hint) [code]
```

for example

```
chapters/02-names.md:14:31: error: unknown citation key 'smtih2020' \
(did you mean 'smith2020'?) [cite.unknown-key]
```

The place is the file, relative to the project folder, with the line and the column \
when they are known; the hint, in brackets, is left out when there is none. The code at \
the end names the kind of problem: it is what this chapter lists, group by group, with \
what each means and how to fix it. `dossier codes` prints the same list in brief.

## Severities and exit status {#sec-diagnostics-severities}

error
:   Something is wrong and the dossier is not written: `dossier build` leaves the \
previous build in place.

warning
:   Something is probably wrong, but the dossier can still be built.

note
:   Something dossier did for you, such as rebuilding everything after finding its \
build cache damaged, or fitting a `[pdf]` setting to this machine. A note never fails \
a build.

With `--strict` (`dossier build --strict`, `dossier check --strict`), every warning \
counts as an error: use it before publishing, or in automated checks. Notes stay notes.

`dossier build` and `dossier check` end with a count (`0 errors, 2 warnings`) and an \
exit status that scripts can test:

| Status | Meaning |
|---|---|
| 0 | no errors (warnings may have been reported) |
| 1 | errors were found (with `--strict`, errors or warnings), or dossier failed |
| 2 | the command was used wrongly, or no `dossier.toml` was found |
| 130 | interrupted with Ctrl-C; the previous build is unchanged |

Table: Exit status of dossier's commands. {#tbl-diagnostics-exit}
"""


def _section_id(group: Group) -> str:
    return f"sec-diagnostics-{group.prefix}"


def markdown() -> str:
    """The manual's chapter on diagnostics, as Markdown."""
    parts = [_INTRO]
    for group in GROUPS:
        parts.append(f"\n## {group.title} (`{group.prefix}`) {{#{_section_id(group)}}}\n")
        parts.append(f"\n{group.description}\n")
        for code in group.codes:
            severities = " or ".join(s.value for s in code.severities)
            parts.append(f"\n`{code.code}` ({severities})\n:   {code.meaning}\n")
            parts.append(f"\n    **Fix:** {code.fix}\n")
    return "".join(parts)

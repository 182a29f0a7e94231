/** CodeMirror 6 set up for template parts; loaded on first use, in its own chunk. */
import { defaultKeymap, history, historyKeymap } from "@codemirror/commands";
import { html } from "@codemirror/lang-html";
import { defaultHighlightStyle, syntaxHighlighting } from "@codemirror/language";
import { EditorState } from "@codemirror/state";
import { EditorView, drawSelection, keymap, lineNumbers } from "@codemirror/view";

export interface EditorSetup {
  doc: string;
  html: boolean;
  /** The id of the visible label that names the editor. */
  labelledBy: string;
  onChange(value: string): void;
  onFocus(): void;
}

export function createEditor(parent: HTMLElement, s: EditorSetup): EditorView {
  return new EditorView({
    parent,
    state: EditorState.create({
      doc: s.doc,
      extensions: [
        lineNumbers(),
        history(),
        drawSelection(),
        // Tab is left to the browser, so the keyboard can move on out of the editor.
        keymap.of([...defaultKeymap, ...historyKeymap]),
        syntaxHighlighting(defaultHighlightStyle),
        EditorView.lineWrapping,
        // Tags are not closed automatically: the part holds exactly what was typed or inserted.
        ...(s.html ? [html({ autoCloseTags: false })] : []),
        EditorView.contentAttributes.of({ "aria-labelledby": s.labelledBy, "aria-multiline": "true" }),
        EditorView.updateListener.of((u) => {
          if (u.docChanged) s.onChange(u.state.doc.toString());
          if (u.focusChanged && u.view.hasFocus) s.onFocus();
        }),
      ],
    }),
  });
}

/** Replaces the selection (or inserts at the cursor) and gives the editor the focus back. */
export function insertAtCursor(view: EditorView, text: string): void {
  view.dispatch({ ...view.state.replaceSelection(text), scrollIntoView: true });
  view.focus();
}

export function replaceDoc(view: EditorView, value: string): void {
  if (view.state.doc.toString() !== value) view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: value } });
}

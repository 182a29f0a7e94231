/**
 * A template part in CodeMirror, labelled by a visible label, that reports when it has the focus
 * so the attribute finder knows where the cursor is. Plain inputs (a subject, a title) report the
 * same way through `inputTarget`.
 */
import { useEffect, useId, useRef } from "preact/hooks";
import type { EditorView } from "@codemirror/view";

/** Where the attribute finder inserts: the template part that last had the focus. */
export interface InsertTarget {
  label: string;
  insert(text: string): void;
}

interface Props {
  label: string;
  value: string;
  onChange(value: string): void;
  onTarget(target: InsertTarget): void;
  html?: boolean;
  /** Changes when the caller loads other content into `value` (a version opened). */
  resetKey?: unknown;
}

export function CodeEditor({ label, value, onChange, onTarget, html = false, resetKey }: Props) {
  const labelId = useId();
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | undefined>(undefined);
  const latest = useRef({ value, onChange, onTarget });
  latest.current = { value, onChange, onTarget };

  useEffect(() => {
    let gone = false;
    let mod: typeof import("../codemirror") | undefined;
    import("../codemirror").then((m) => {
      if (gone || !host.current) return;
      mod = m;
      const target: InsertTarget = { label, insert: (text) => view.current && m.insertAtCursor(view.current, text) };
      view.current = m.createEditor(host.current, {
        doc: latest.current.value,
        html,
        labelledBy: labelId,
        onChange: (v) => latest.current.onChange(v),
        onFocus: () => latest.current.onTarget(target),
      });
      host.current.dataset.ready = "true";
    });
    return () => {
      gone = true;
      view.current?.destroy();
      view.current = undefined;
      void mod;
    };
  }, []);

  // The document is the editor's own while it is edited (renders lag behind typing, so `value`
  // may be older than the document); it is replaced only when the caller loads other content.
  useEffect(() => {
    if (!view.current) return;
    void import("../codemirror").then((m) => view.current && m.replaceDoc(view.current, latest.current.value));
  }, [resetKey]);

  return (
    <div class="field code-field">
      <span class="label" id={labelId}>
        {label}
      </span>
      <div class="code-editor" ref={host} data-part={label} />
    </div>
  );
}

/** A plain input's part of the same contract: inserting replaces its selection. */
export function inputTarget(label: string, input: HTMLInputElement | HTMLTextAreaElement, onChange: (v: string) => void): InsertTarget {
  return {
    label,
    insert(text) {
      const start = input.selectionStart ?? input.value.length;
      const end = input.selectionEnd ?? start;
      const next = input.value.slice(0, start) + text + input.value.slice(end);
      onChange(next);
      input.value = next;
      input.focus();
      input.setSelectionRange(start + text.length, start + text.length);
    },
  };
}

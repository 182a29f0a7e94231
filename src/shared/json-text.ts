/**
 * A stored document's JSON text, carried to the reply without being parsed and serialised again.
 * Documents are stored with `JSON.stringify`, and `JSON.stringify(JSON.parse(text)) === text` for
 * any such text, so a read that returns the stored document unchanged (GetApp,
 * GetRecommenderConfiguration) answers with the same bytes as before and saves the parse and the
 * stringify (about 8 µs of a cheap read's server CPU, with the caches cold between requests).
 */
export class JsonText<T> {
  /** Only for type checking: which document the text holds. */
  declare readonly doc?: T;
  constructor(readonly text: string) {}

  parse(): T {
    return JSON.parse(this.text) as T;
  }
}

/**
 * The two shapes every repository shares. A leaf module: repositories import it, and the `Store`
 * interface (types.ts) imports the repositories, so nothing imports in a circle.
 */
/** Every resource belongs to one account in one region (the SigV4 credential scope's region). */
export interface Tenant {
  accountId: string;
  region: string;
}

/** A page of a list in creation order; `after` is the position to continue from, if any. */
export interface Page<T> {
  items: T[];
  after?: number;
}

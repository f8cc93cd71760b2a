/** What a source is: a repository read at a commit or tag, or a page by address. */

/** A repository at a commit or tag; `path` when the entry is one file of it. */
export interface RepoSource {
  readonly repo: string;
  readonly ref: string;
  readonly path?: string;
  readonly title?: string;
  readonly note?: string;
}

/** A page, by its address. */
export interface PageSource {
  readonly url: string;
  readonly title: string;
  readonly note?: string;
}

export type Source = RepoSource | PageSource;

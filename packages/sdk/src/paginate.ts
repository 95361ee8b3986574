// Walks a cursor-paginated list: page by page, or item by item across every page.

export interface PageSource<Page, Item> {
  fetch(cursor: string | undefined): Promise<Page>;
  items(page: Page): readonly Item[];
  next(page: Page): string | undefined;
}

/** `for await (const item of paginator)` reads every page as needed; `pages()` yields whole pages. */
export class Paginator<Page, Item> implements AsyncIterable<Item> {
  readonly #source: PageSource<Page, Item>;
  readonly #cursor: string | undefined;

  constructor(source: PageSource<Page, Item>, cursor?: string) {
    this.#source = source;
    this.#cursor = cursor;
  }

  /** Each page in turn, until one has no next cursor. Nothing is fetched until the first is asked for. */
  async *pages(): AsyncGenerator<Page> {
    let cursor = this.#cursor;
    do {
      const page = await this.#source.fetch(cursor);
      yield page;
      cursor = this.#source.next(page);
    } while (cursor !== undefined);
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Item> {
    for await (const page of this.pages()) yield* this.#source.items(page);
  }
}

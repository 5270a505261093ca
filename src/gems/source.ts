/** The network face of a compact-index gem server, over injected I/O. */

/** Fetches a URL as text; rejects with a FetchError naming the URL. */
export type FetchText = (url: string) => Promise<string>;

export interface GemSource {
  infoUrl(name: string): string;
  gemUrl(file: string): string;
  /** The `/info/NAME` body. */
  info(name: string): Promise<string>;
}

export function compactIndexSource(baseUrl: string, fetchText: FetchText): GemSource {
  const base = baseUrl.replace(/\/+$/, '');
  const infoUrl = (name: string): string => `${base}/info/${name}`;
  return {
    infoUrl,
    gemUrl: (file) => `${base}/gems/${file}`,
    info: (name) => fetchText(infoUrl(name)),
  };
}

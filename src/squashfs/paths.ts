/**
 * Normalises a caller's image path to the form the addon expects: relative,
 * no empty or '.' components, '' for the root. Rejects '..' and NUL, which
 * can never name an entry of a sane image.
 */
export function normaliseImagePath(path: string): string {
  if (path.includes('\0')) throw new Error(`${JSON.stringify(path)}: NUL in image path`);
  const parts = path.split('/').filter((part) => part !== '' && part !== '.');
  if (parts.includes('..')) throw new Error(`${path}: '..' is not allowed in image paths`);
  return parts.join('/');
}

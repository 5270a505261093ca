/**
 * The kernel command line of isolinux.cfg's default label: its `append`
 * words less `initrd=` (a boot loader's own), then `bootCodes`.
 */
export function kernelCommandLine(isolinuxCfg: string, bootCodes: string | undefined): string {
  const lines = isolinuxCfg.split(/\r?\n/).map((line) => line.trim().split(/\s+/));
  const keyword = (words: string[]) => (words[0] ?? '').toLowerCase();
  const name = lines.find((words) => keyword(words) === 'default')?.[1];
  let inDefault = false;
  let append: string[] = [];
  for (const words of lines) {
    if (keyword(words) === 'label') inDefault = words[1] === name;
    else if (inDefault && keyword(words) === 'append') append = words.slice(1);
  }
  const kept = append.filter((word) => !/^initrd=/i.test(word));
  return [...kept, ...(bootCodes?.trim().split(/\s+/).filter(Boolean) ?? [])].join(' ');
}

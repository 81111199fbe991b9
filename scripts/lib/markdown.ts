/** Helpers for scripts that write tables into docs/ between markers, so the docs stay regenerable. */
import fs from "node:fs";

/** Replaces the text between `<!-- NAME:begin -->` and `<!-- NAME:end -->` in a markdown file. */
export function replaceBetweenMarkers(file: string, name: string, content: string): void {
  const begin = `<!-- ${name}:begin -->`,
    end = `<!-- ${name}:end -->`;
  const text = fs.readFileSync(file, "utf8");
  const i = text.indexOf(begin),
    j = text.indexOf(end);
  if (i < 0 || j < i) throw new Error(`${file}: markers ${begin} … ${end} not found`);
  fs.writeFileSync(file, text.slice(0, i + begin.length) + "\n" + content.trim() + "\n" + text.slice(j));
}

/** A markdown table from a header and rows of cells. */
export function markdownTable(header: string[], rows: (string | number)[][]): string {
  const line = (cells: (string | number)[]) => `| ${cells.join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...rows.map(line)].join("\n");
}

/**
 * Plain text columns for every command's tables (alarms, status, report): two spaces apart, each
 * column as wide as its widest cell, numbers right-aligned, the last column unpadded, no trailing
 * blanks, so the output reads well and still splits with `awk` or `column -t`. Colour, when the
 * output takes it, is applied after padding, so escape codes never count towards a width.
 *
 * Hand-written rather than a library: the table libraries worth considering draw box borders
 * (cli-table3, table), which break line-oriented tools, and the plain-column ones are unmaintained
 * (text-table, columnify); this is the one place the rule lives.
 */
import type { Style } from "./kit";

export interface Column<R> {
  title: string;
  cell: (row: R) => string;
  align?: "left" | "right";
  /** A colour for the cell of this row, or undefined for none. */
  style?: (row: R) => Style | undefined;
}

export type Stylize = (style: Style, text: string) => string;

const plain: Stylize = (_style, text) => text;

/** The header line and one line per row. */
export function formatColumns<R>(columns: ReadonlyArray<Column<R>>, rows: readonly R[], stylize: Stylize = plain): string[] {
  const cells = rows.map((row) => columns.map((column) => column.cell(row)));
  const widths = columns.map((column, i) => Math.max(column.title.length, ...cells.map((line) => line[i].length)));
  const render = (line: string[], row?: R) =>
    line
      .map((cell, i) => {
        const column = columns[i];
        const padding = " ".repeat(widths[i] - cell.length);
        const style = row === undefined ? undefined : column.style?.(row);
        const shown = style ? stylize(style, cell) : cell;
        if (column.align === "right") return padding + shown;
        return i === line.length - 1 ? shown : shown + padding;
      })
      .join("  ")
      .trimEnd();
  return [render(columns.map((column) => column.title)), ...cells.map((line, i) => render(line, rows[i]))];
}

/** Rows given as arrays of strings (the first one the header), all columns left-aligned. */
export function formatRows(rows: string[][]): string[] {
  const [header, ...body] = rows;
  return formatColumns(
    header.map((title, index) => ({ title, cell: (row: string[]) => row[index] })),
    body,
  );
}

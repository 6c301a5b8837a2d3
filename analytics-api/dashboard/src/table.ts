/** Tables built with DOM APIs only (text from the PSA is never parsed as HTML). */
import { formatValue, type ValueKind } from './format.js';

export interface Column<R> {
  id: string;
  label: string;
  kind: ValueKind | 'text';
  value: (row: R) => number | string | null;
  /** Longer explanation, shown as a tooltip and read by screen readers. */
  description?: string;
}

type Dir = 'ascending' | 'descending';

function el<K extends keyof HTMLElementTagNameMap>(tag: K, text?: string, className?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  return node;
}

function cellText<R>(col: Column<R>, row: R): string {
  const v = col.value(row);
  if (col.kind === 'text') return v === null ? '' : String(v);
  return formatValue(typeof v === 'number' ? v : null, col.kind);
}

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

function compare<R>(col: Column<R>, dir: Dir, a: R, b: R): number {
  const va = col.value(a);
  const vb = col.value(b);
  // Missing values always sort last, whatever the direction.
  if (va === null || va === '') return vb === null || vb === '' ? 0 : 1;
  if (vb === null || vb === '') return -1;
  const c = typeof va === 'number' && typeof vb === 'number' ? va - vb : collator.compare(String(va), String(vb));
  return dir === 'ascending' ? c : -c;
}

export interface SortableTableOptions<R> {
  caption: string;
  columns: Column<R>[];
  rows: R[];
  footer?: R;
  /** Id of an element that explains the table (kept outside the scrolling area). */
  describedBy?: string;
  sortBy: string;
  sortDir: Dir;
}

/** A table whose column headings sort it (aria-sort on the sorted heading). */
export function renderSortableTable<R>(host: HTMLElement, opts: SortableTableOptions<R>): HTMLTableElement {
  const table = el('table', undefined, 'data-table sortable');
  if (opts.describedBy) table.setAttribute('aria-describedby', opts.describedBy);
  const caption = el('caption', opts.caption);
  const hint = el('span', ' Select a column heading to sort.', 'visually-hidden');
  caption.append(hint);
  table.append(caption);

  const thead = el('thead');
  const headRow = el('tr');
  const tbody = el('tbody');
  let sortBy = opts.sortBy;
  let sortDir: Dir = opts.sortDir;

  const ths = opts.columns.map((col, i) => {
    const th = el('th', undefined, col.kind === 'text' ? 'text' : 'num');
    th.scope = 'col';
    th.dataset['col'] = col.id;
    const button = el('button', col.label, 'sort');
    button.type = 'button';
    if (col.description) button.title = col.description;
    const icon = el('span', '', 'sort-icon');
    icon.setAttribute('aria-hidden', 'true');
    button.append(icon);
    button.addEventListener('click', () => {
      if (sortBy === col.id) sortDir = sortDir === 'ascending' ? 'descending' : 'ascending';
      else {
        sortBy = col.id;
        sortDir = col.kind === 'text' ? 'ascending' : 'descending';
      }
      paint();
    });
    th.append(button);
    if (i === 0) th.classList.add('sticky');
    headRow.append(th);
    return th;
  });
  thead.append(headRow);

  const paint = () => {
    const col = opts.columns.find((c) => c.id === sortBy) ?? opts.columns[0]!;
    ths.forEach((th, i) => {
      if (opts.columns[i] === col) th.setAttribute('aria-sort', sortDir);
      else th.removeAttribute('aria-sort');
    });
    const rows = [...opts.rows].sort((a, b) => compare(col, sortDir, a, b) || compare(opts.columns[0]!, 'ascending', a, b));
    tbody.replaceChildren(...rows.map((row) => bodyRow(opts.columns, row)));
  };

  table.append(thead, tbody);
  if (opts.footer) {
    const tfoot = el('tfoot');
    tfoot.append(bodyRow(opts.columns, opts.footer));
    table.append(tfoot);
  }
  paint();
  host.replaceChildren(table);
  return table;
}

function bodyRow<R>(columns: Column<R>[], row: R): HTMLTableRowElement {
  const tr = el('tr');
  columns.forEach((col, i) => {
    const cell = i === 0 ? el('th') : el('td');
    if (i === 0) (cell as HTMLTableCellElement).scope = 'row';
    cell.className = col.kind === 'text' ? 'text' : 'num';
    cell.textContent = cellText(col, row);
    const v = col.value(row);
    if (typeof v === 'number') cell.dataset['value'] = String(v);
    tr.append(cell);
  });
  return tr;
}

/** A plain table (the data behind a chart). */
export function renderDataTable(host: HTMLElement, caption: string, headers: string[], rows: string[][]): void {
  const table = el('table', undefined, 'data-table compact');
  table.append(el('caption', caption));
  const thead = el('thead');
  const hr = el('tr');
  headers.forEach((h, i) => {
    const th = el('th', h, i === 0 ? 'text' : 'num');
    th.scope = 'col';
    hr.append(th);
  });
  thead.append(hr);
  const tbody = el('tbody');
  for (const r of rows) {
    const tr = el('tr');
    r.forEach((v, i) => {
      const cell = i === 0 ? el('th', v, 'text') : el('td', v, 'num');
      if (i === 0) (cell as HTMLTableCellElement).scope = 'row';
      tr.append(cell);
    });
    tbody.append(tr);
  }
  table.append(thead, tbody);
  host.replaceChildren(table);
}

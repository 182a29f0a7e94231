// A recommendation transformer for pinrec (or AWS Lambda, unchanged): adds each recommended
// item's title and genres from a Personalize-style items CSV (ITEM_ID,TITLE,GENRES — what
// `pinrec data synth` writes), so templates can use {{Recommendations.Title.[0]}}.
//
// The CSV is PINREC_ITEMS_CSV (a path; relative to the server's working directory), or items.csv
// next to this file. It is read once per worker: later invocations reuse the loaded catalog.
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";

const path = process.env.PINREC_ITEMS_CSV ?? fileURLToPath(new URL("./items.csv", import.meta.url));
const catalog = parseItems(await readFile(path, "utf8"));

export const handler = async (event) => {
  for (const endpoint of Object.values(event.Endpoints)) {
    const items = endpoint.RecommendationItems ?? [];
    endpoint.Recommendations = {
      Title: items.map((id) => catalog.get(id)?.title ?? id),
      Genre: items.map((id) => catalog.get(id)?.genres ?? ""),
    };
  }
  // The bare endpoint map, as AWS's own sample functions return it.
  return event.Endpoints;
};

/** ITEM_ID → { title, genres } from CSV text (RFC 4180 quoting; header names the columns). */
function parseItems(text) {
  const rows = parseCsv(text);
  const header = rows.shift()?.map((h) => h.trim().toUpperCase()) ?? [];
  const [id, title, genres] = ["ITEM_ID", "TITLE", "GENRES"].map((name) => header.indexOf(name));
  if (id < 0) throw new Error(`${path} has no ITEM_ID column`);
  const items = new Map();
  for (const row of rows) {
    if (row.length === 1 && row[0] === "") continue;
    items.set(row[id], { title: title >= 0 ? row[title] : row[id], genres: genres >= 0 ? row[genres] : "" });
  }
  return items;
}

function parseCsv(text) {
  const rows = [];
  let row = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (field += '"'), i++;
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") row.push(field), (field = "");
    else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i++;
      row.push(field), rows.push(row), (row = []), (field = "");
    } else field += c;
  }
  if (field !== "" || row.length > 0) row.push(field), rows.push(row);
  return rows;
}

/*
 * Search worker of the knowledge base (replaces Material's lunr worker).
 *
 * Material for MkDocs talks to its search worker with four messages (SETUP 0,
 * READY 1, QUERY 2, RESULT 3) and lets a site bring its own worker; kb/search.py
 * points every page's configuration at this file. The worker reads the same
 * search/search_index.json, whose text Material has already cut into words
 * with jieba (joined by U+200B); kb/search.py adds to its config an object "kb" with the
 * glossary's terms and their pages and jieba's search-mode sub-words.
 *
 * Query: split at spaces and punctuation, Chinese runs are segmented against
 * that dictionary (glossary terms and longer words first, every character of
 * the query is kept), filler words and stray single characters only count a
 * little. Matching is by substring on the text without zero-width spaces, so
 * a word hidden inside a longer one (卫生 in 环境卫生) is found. Ranking: title,
 * the page the glossary names for a term, tags, then frequency in the text,
 * weighted by the word's rarity and by how much of the query a section covers.
 *
 * Question words (怎么, 如何, 什么, 哪里, 吗, 呢, 可以, 能不能 …) weigh nothing. Parts
 * typed with a space are joined where the joined text is a word or stands on a
 * page (垃圾 分类 = 垃圾分类). A title counts more the more of it the query fills
 * (报名 → 选岗与候补#报名 before 取消报名). The parts of a word never score on a tag
 * the whole word already matched. The home page, section indexes, the tag index
 * and the glossary come after every other page that matches as many of the
 * query's words, unless their own title is what was asked.
 */
"use strict";

const ZERO_WIDTH = /[\u200b-\u200d\u2060\ufeff]/g;
const HAN_RUN = /\p{sc=Han}+|[^\p{sc=Han}]+/gu;
const QUERY_SPLIT = /[\s,.;:!?，。、；：！？“”"'‘’（）()《》〈〉<>\[\]【】{}·~～—…|]+/;
// Question words say how something is asked, not what about: they weigh nothing.
const QUESTION = new Set([
  "吗", "呢", "吧", "啊", "么", "呀", "怎么", "怎样", "怎么样", "怎么办", "如何", "什么", "是什么",
  "哪里", "哪儿", "在哪", "在哪里", "哪些", "哪个", "为什么", "为啥", "可以", "能否", "能不能", "可不可以",
  "是否", "请问", "一下", "几个", "多少", "意思", "什么意思", "干什么", "做什么", "找谁"
]);
const FILLER = new Set([
  ...QUESTION, "的", "了", "和", "与", "及", "或", "在", "是", "有", "要", "我", "你", "您", "我们",
  "关于", "需要"
]);
const MINOR = 0.15;     // weight factor of filler words and single characters
const PART = 0.35;      // weight factor of the sub-words of a long query word

let docs = [];          // sections and pages, in index order
let articles = new Map();
let dict = new Map();   // word -> 2 for glossary terms, 1 for other words
let maxWord = 1;
let homes = new Map();  // page location -> glossary terms that live there
let glossary = [];
let indexes = new Set(); // the home page and section index pages (other pages live under them)
let suggestOn = false;

function clean(s) {
  return String(s || "").replace(ZERO_WIDTH, "");
}

function plain(html) {
  return html.replace(/<[^>]*>/g, " ").replace(/&nbsp;/g, " ").replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">").replace(/&quot;/g, "\"").replace(/&#39;/g, "'").replace(/&amp;/g, "&");
}

function addWord(word, kind) {
  word = clean(word).toLowerCase().trim();
  if (!word || word.length > 24) return;
  if ((dict.get(word) || 0) < kind) dict.set(word, kind);
  maxWord = Math.max(maxWord, word.length);
}

function setup(data) {
  const separator = new RegExp(data.config.separator, "g");
  const kb = data.config.kb || {};
  docs = [];
  articles = new Map();
  dict = new Map();
  homes = new Map();
  for (const raw of data.docs) {
    const page = raw.location.split("#")[0];
    const html = clean(raw.text);
    const doc = {
      location: raw.location, page, article: !raw.location.includes("#"),
      title: clean(raw.title), html, tags: (raw.tags || []).map(clean),
      titleLow: plain(clean(raw.title)).toLowerCase(),
      textLow: plain(html).toLowerCase(),
    };
    doc.tagsLow = doc.tags.join(" ").toLowerCase();
    for (const word of plain(raw.title + " " + raw.text).split(separator))
      if (word.length > 1 || !/\p{sc=Han}/u.test(word)) addWord(word, 1);
    docs.push(doc);
    if (doc.article && !articles.has(page)) articles.set(page, doc);
  }
  for (const word of kb.words || []) addWord(word, 1);
  glossary = Object.keys(kb.terms || {}).map(t => clean(t).toLowerCase());
  for (const [term, page] of Object.entries(kb.terms || {})) {
    const low = clean(term).toLowerCase();
    addWord(low, 2);
    if (!homes.has(page)) homes.set(page, []);
    homes.get(page).push(low);
  }
  // Pages that only point at others: the home page and section indexes (other pages
  // live under them), the tag index (sections "#tag:…") and the glossary (most terms).
  const pages = [...articles.keys()];
  indexes = new Set(pages.filter(p => pages.some(q => q !== p && q.startsWith(p))));
  for (const doc of docs) if (doc.location.includes("#tag:")) indexes.add(doc.page);
  for (const [page, doc] of articles)
    if (glossary.length && glossary.filter(g => doc.textLow.includes(g)).length > glossary.length / 2)
      indexes.add(page);
}

/* Cut a run of Chinese characters into dictionary words, longest words first. */
function segment(run, skipWhole = false) {
  const n = run.length;
  const best = new Array(n + 1).fill(-Infinity);
  const from = new Array(n + 1).fill(0);
  best[0] = 0;
  for (let i = 0; i < n; i++) {
    if (best[i] === -Infinity) continue;
    for (let j = i + 1; j <= Math.min(n, i + maxWord); j++) {
      const word = run.slice(i, j);
      let score;
      if (j - i === 1) score = dict.has(word) ? 0.2 : 0.1;
      else if (dict.has(word) && !(skipWhole && i === 0 && j === n))
        score = (j - i) * (j - i) + (dict.get(word) === 2 ? 1 : 0);
      else continue;
      if (best[i] + score - 0.01 > best[j]) {
        best[j] = best[i] + score - 0.01;
        from[j] = i;
      }
    }
  }
  const words = [];
  for (let j = n; j > 0; j = from[j]) words.unshift(run.slice(from[j], j));
  return words;
}

function isMinor(word) {
  return FILLER.has(word) || (word.length === 1 && /\p{sc=Han}/u.test(word));
}

/* Parts of the query typed with a space (垃圾 分类) are one word where the joined
   text is a word or stands on some page; otherwise they stay apart. */
function joinParts(chunks) {
  const out = [];
  for (const chunk of chunks) {
    const last = out.length ? out[out.length - 1] : null;
    const joined = last === null ? null : last + chunk;
    if (joined && /\p{sc=Han}$/u.test(last) && /^\p{sc=Han}/u.test(chunk) &&
        (dict.has(joined) || docs.some(d => d.textLow.includes(joined) || d.titleLow.includes(joined))))
      out[out.length - 1] = joined;
    else out.push(chunk);
  }
  return out;
}

/* The query as weighted terms; "main" terms are the ones reported as missing. */
function parse(query) {
  const terms = new Map();
  const runs = [];
  const phrases = new Set();
  const add = (text, weight, main, whole) => {
    const old = terms.get(text);
    if (!old || old.weight < weight)
      terms.set(text, { text, weight, main: main || !!(old && old.main), whole: main ? null : whole });
  };
  const value = clean(query).normalize("NFKC").toLowerCase().replace(/[*^~]/g, " ");
  for (let chunk of joinParts(value.split(QUERY_SPLIT).map(c => c.replace(/^[+-]+/, "")).filter(Boolean))) {
    for (const part of chunk.match(HAN_RUN) || []) {
      if (!/\p{sc=Han}/u.test(part)) {
        if (/[\p{L}\p{N}]/u.test(part)) add(part, Math.min(part.length, 4) * 0.8 + 0.5, true);
        continue;
      }
      runs.push(part);
      // A run that stands verbatim on some page (垃圾分类, cut 垃圾|分类 by jieba) is one word.
      const phrase = part.length >= 3 && !dict.has(part) &&
        docs.some(d => d.textLow.includes(part) || d.titleLow.includes(part));
      const words = segment(part);
      // The phrase weighs what its words weigh: filler (满了) adds nothing.
      if (phrase) phrases.add(part);
      if (phrase)
        add(part, Math.min(4, Math.max(2, words.filter(w => !isMinor(w))
          .reduce((sum, w) => sum + Math.min(w.length, 4), 0))), true);
      for (const word of words) {
        if (QUESTION.has(word)) {
          continue;
        } else if (isMinor(word)) {
          add(word, MINOR, false);
        } else if (phrase) {
          add(word, Math.min(word.length, 4) * PART, false, part);
        } else {
          add(word, Math.min(word.length, 4), true);
          if (word.length >= 4)
            for (const sub of segment(word, true))
              if (!isMinor(sub)) add(sub, Math.min(sub.length, 4) * PART, false, word);
        }
      }
    }
  }
  // The words of the query, each once: what decides whether a page other than an
  // index page matches (a verbatim phrase is not a word of its own, its parts are).
  const list = [...terms.values()];
  for (const term of list)
    term.word = term.weight > MINOR && !phrases.has(term.text) && (!term.whole || phrases.has(term.whole));
  return { terms: list, runs: runs.filter(r => r.length >= 3) };
}

/* The query without spaces, punctuation and question words, for comparing with titles. */
function plainQuery(query) {
  const text = clean(query).normalize("NFKC").toLowerCase().replace(/[\s\p{P}\p{S}]/gu, "");
  return (text.match(HAN_RUN) || []).map(part => /\p{sc=Han}/u.test(part)
    ? segment(part).filter(w => !QUESTION.has(w)).join("") : part).join("");
}

function count(hay, needle) {
  let n = 0;
  for (let i = hay.indexOf(needle); i !== -1 && n < 8; i = hay.indexOf(needle, i + needle.length)) n++;
  return n;
}

function escapeRegExp(s) {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/* Wrap the words in <mark>, in text only, never inside a tag. */
function mark(html, words) {
  if (!words.length) return html;
  const pattern = new RegExp(words.map(escapeRegExp).join("|"), "gi");
  return html.split(/(<[^>]*>)/).map(part => part.startsWith("<") ? part
    : part.replace(pattern, m => `<mark>${m}</mark>`)).join("");
}

/* At most two top-level blocks of the text, the ones with a match first. */
function snippet(html, words) {
  const blocks = html.match(/<(p|ul|ol|dl|table|blockquote|pre|h[1-6])\b[^>]*>[\s\S]*?<\/\1>/g) || (html ? [html] : []);
  const hit = blocks.filter(b => words.some(w => plain(b).toLowerCase().includes(w)));
  return mark((hit.length ? hit : blocks.slice(0, 1)).slice(0, 2).join(""), words);
}

function search(query) {
  const { terms, runs } = parse(query);
  if (!terms.length) return { items: [] };
  const pages = new Set(docs.map(d => d.page)).size;
  for (const term of terms) {
    const df = new Set(docs.filter(d => d.textLow.includes(term.text) || d.titleLow.includes(term.text))
      .map(d => d.page)).size;
    term.idf = Math.log(1 + pages / (1 + df));
  }
  const main = terms.filter(t => t.main);
  const required = main.length ? main : terms;
  const total = required.reduce((s, t) => s + t.weight * t.idf, 0);

  const scored = [];
  for (const doc of docs) {
    let score = 0, covered = 0, matched = 0;
    const found = {}, inBody = {}, tagged = {};
    const home = doc.article ? homes.get(doc.page) || [] : [];
    // How much of the title the query's words fill: a title that is what was asked
    // (报名) says more than one that merely holds it (取消报名).
    const titleHit = new Array(doc.titleLow.length).fill(false);
    for (const term of terms)
      if (term.weight > MINOR)
        for (let i = doc.titleLow.indexOf(term.text); i !== -1; i = doc.titleLow.indexOf(term.text, i + 1))
          titleHit.fill(true, i, i + term.text.length);
    const titleWords = doc.titleLow.replace(/[\s\p{P}\p{S}]/gu, "").length || 1;
    const fit = 0.5 + 0.5 * Math.min(1, titleHit.filter(Boolean).length / titleWords);
    for (const term of terms) {
      // The parts of a long word only count where the whole word is missing.
      if (term.whole && inBody[term.whole]) continue;
      const inTitle = doc.titleLow.includes(term.text);
      const inText = count(doc.textLow, term.text);
      // Tags belong to the page: shown on every section, scored once, on the page itself.
      // …and never in a tag the whole word is already found in.
      const inTags = doc.tagsLow.includes(term.text) && !(term.whole && tagged[term.whole]);
      let inHome = 0;
      for (const g of home)
        if (g.includes(term.text)) inHome = Math.max(inHome, Math.sqrt(term.text.length / g.length));
      const hit = inTitle || inText > 0 || inTags || inHome > 0;
      if (term.main) found[term.text] = hit;
      inBody[term.text] = inTitle || inText > 0 || inHome > 0;
      tagged[term.text] = inTags;
      if (!hit) continue;
      const w = term.weight * term.idf;
      if (term.word) matched += w;
      // A page's own title says more than a section's; tags are chosen by the authors.
      score += w * ((doc.article ? 12 : 8) * inTitle * fit + 10 * inHome + 8 * (inTags && doc.article)
                    + (inText ? 1 + Math.log(inText) : 0));
      // Parts of a missing word cover a little of it.
      if (required.includes(term) || term.whole) covered += w;
    }
    if (!covered) continue;
    for (const run of runs)
      if (doc.titleLow.includes(run) || doc.textLow.includes(run)) score += 4 * Math.min(run.length, 6);
    const share = total ? covered / total : 1;
    scored.push({ doc, score: score * share * share, matched, found });
  }
  scored.sort((a, b) => b.score - a.score);

  const words = terms.filter(t => t.text.length > 1 || !/\p{sc=Han}/u.test(t.text)).map(t => t.text)
    .sort((a, b) => b.length - a.length);
  const groups = new Map();
  for (const { doc, score, matched, found } of scored) {
    if (!groups.has(doc.page)) groups.set(doc.page, { best: score, rest: 0, matched: 0, items: [] });
    const group = groups.get(doc.page);
    group.matched = Math.max(group.matched, matched);
    if (group.items.length) group.rest += score;
    group.items.push({
      location: doc.location, title: mark(doc.title, words), text: snippet(doc.html, words),
      ...(doc.tags.length ? { tags: doc.tags } : {}), score, terms: found,
    });
  }
  for (const [page, group] of groups)
    if (!group.items.some(item => item.location === page) && articles.has(page)) {
      const doc = articles.get(page);
      group.items.push({ location: doc.location, title: doc.title, text: "", score: 0, terms: {},
        ...(doc.tags.length ? { tags: doc.tags } : {}) });
    }
  // The home page and index pages repeat what other pages explain: they come first
  // only when no other page matches as many of the query's words, or when their
  // title is what was asked (办事指南).
  const asked = plainQuery(query);
  let most = 0;
  for (const [page, group] of groups) if (!indexes.has(page)) most = Math.max(most, group.matched);
  for (const [page, group] of groups)
    group.last = indexes.has(page) && most > 0 && group.matched <= most + 1e-9 &&
      !(asked.length > 1 && articles.get(page).titleLow.replace(/\s+/g, "") === asked);
  const items = [...groups.values()]
    .sort((a, b) => (a.last - b.last) || (b.best + 0.25 * b.rest) - (a.best + 0.25 * a.rest))
    .map(g => g.items);
  const result = { items };
  if (suggestOn) result.suggest = suggest(query);
  return result;
}

/* Complete the last word to a glossary term (Material shows it greyed out). */
function suggest(query) {
  const last = query.split(/[\s-]+/).pop() || "";
  for (let k = Math.min(last.length, 12); k >= 2; k--) {
    const tail = last.slice(-k).toLowerCase();
    const term = glossary.filter(g => g.startsWith(tail) && g !== tail).sort((a, b) => a.length - b.length)[0];
    if (term) return [last.slice(0, -k) + term];
  }
  return [];
}

if (typeof module !== "undefined") module.exports = { setup, search, segment, parse };
else
  addEventListener("message", ev => {
    const message = ev.data;
    if (message.type === 0) {
      setup(message.data);
      suggestOn = !!(message.data.options && message.data.options.suggest);
      postMessage({ type: 1 });
    } else if (message.type === 2) {
      let data;
      try {
        data = search(message.data);
      } catch (err) {
        console.warn("search failed", err);
        data = { items: [] };
      }
      postMessage({ type: 3, data });
    }
  });

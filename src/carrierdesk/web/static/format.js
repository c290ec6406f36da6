// How carrierdesk shows figures, in the Control Panel and the Customer Portal alike (issue 14):
// money in the currency's minor units (2 for EUR, 0 for JPY, 3 for KWD), rounded half up from
// the exact decimal the API sends; durations in minutes; ACD in seconds; percentages with two
// decimals. No thousands separators: a copied figure pastes into a spreadsheet as a number.
// Loaded (through templates/_format.html) before the scripts that use it; exposes
// window.carrierdeskFormat, and the Summary's figures and headers (summaryText, summaryTitle).
(function () {
  "use strict";
  const MICROS = 6; // the API's money has 6 decimal places (CDR money, DESIGN.md)
  // Each currency's minor units, from the server (validation.MINOR_UNITS, which invoices and
  // their PDFs use too) on this script's tag: Intl's table differs (HUF, IDR, COP, PKR: 0).
  const MINOR_UNITS = (() => {
    try {
      return JSON.parse(document.currentScript.dataset.minorUnits);
    } catch (_error) {
      return {};
    }
  })();

  // The currency's minor units; two for a code the server does not list.
  const moneyDigits = (currency) => (currency in MINOR_UNITS ? MINOR_UNITS[currency] : 2);

  // An exact decimal ("0.596858", "-3", 12.5) as an integer count of millionths.
  function micros(value) {
    if (typeof value === "number") return Math.round(value * 10 ** MICROS);
    const text = String(value === null || value === undefined ? "0" : value).trim();
    const match = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(text);
    if (!match) return NaN;
    const [, sign, whole, fraction = ""] = match;
    const digits = (whole || "0") + fraction.padEnd(MICROS, "0").slice(0, MICROS);
    const n = Number(digits);
    return sign === "-" ? -n : n;
  }

  // Millionths rounded half up (away from zero, as Decimal's ROUND_HALF_UP) to `places`.
  function roundMicros(count, places) {
    const step = 10 ** (MICROS - places);
    const rounded = Math.floor((Math.abs(count) + step / 2) / step);
    return (count < 0 && rounded ? -rounded : rounded) / 10 ** places;
  }

  // An amount given in millionths, as shown everywhere: "0.60", "-0.12" (EUR); "1235" (JPY).
  function moneyOfMicros(count, currency) {
    const places = moneyDigits(currency || "USD");
    if (!Number.isFinite(count)) return "";
    return roundMicros(count, places).toFixed(places);
  }
  // An exact decimal amount ("0.596858") as shown everywhere.
  const money = (value, currency) => moneyOfMicros(micros(value), currency);
  // The same amount as a number (for a spreadsheet cell), equal to what money() shows.
  const moneyNumber = (value, currency) => Number(money(value, currency));
  // With the currency's code, for a sentence: "0.60 EUR".
  const moneyWithCode = (value, currency) => `${money(value, currency)} ${currency}`;

  // numerator / denominator (integers: counts, seconds, millionths) rounded half up, away from
  // zero, to `places`, exactly: ASR and Profit % of sums, ACD of seconds and calls. 0 over 0 is 0.
  function ratio(numerator, denominator, places) {
    const d = BigInt(Math.round(Number(denominator) || 0));
    if (d === 0n) return (0).toFixed(places);
    const n = BigInt(Math.round(Number(numerator) || 0)) * 10n ** BigInt(places);
    const [an, ad] = [n < 0n ? -n : n, d < 0n ? -d : d];
    const q = (2n * an + ad) / (2n * ad);
    const digits = q.toString().padStart(places + 1, "0");
    const text = places ? `${digits.slice(0, -places)}.${digits.slice(-places)}` : digits;
    return q !== 0n && (n < 0n) !== (d < 0n) ? "-" + text : text;
  }

  const fixed = (value, places) => {
    const n = Number(value);
    return Number.isFinite(n) ? n.toFixed(places) : "";
  };
  const minutes = (seconds) => fixed(Number(seconds) / 60, 2); // durations: "35.73"
  const acdSeconds = (seconds) => fixed(seconds, 1); // ACD: "153.1", named "ACD (s)"
  const percent = (value) => fixed(value, 2); // ASR %, NER %, Profit %: "50.00"
  function clock(seconds) { // h:mm:ss, for those who prefer it to minutes
    const s = Math.round(Number(seconds) || 0);
    const pad = (n) => String(n).padStart(2, "0");
    return `${Math.floor(s / 3600)}:${pad(Math.floor((s % 3600) / 60))}:${pad(s % 60)}`;
  }

  const UNITS = { duration: "min", acd: "s", pdd: "ms" };

  // --- the Summary's figures, one definition for the Control Panel's grid and the portal's --
  // A row holds the API's sums: counts, seconds and money in millionths (summaryRow adds them
  // to an API item); every ratio is computed exactly from the sums, so a row and a totals row
  // (sums of rows) show alike. `view` is { currency, duration (seconds → text), durationUnit }.
  function summaryRow(item) {
    return Object.assign({}, item, {
      charge_micros: micros(item.charge),
      cost_micros: micros(item.cost),
      profit_micros: micros(item.profit),
      ner_calls: Math.round((item.ner * item.attempts) / 100),
    });
  }
  const SUMMARY_TEXT = {
    attempts: (r) => String(r.attempts || 0),
    connected: (r) => String(r.connected || 0),
    duration: (r, view) => view.duration(r.duration),
    billed_duration: (r, view) => view.duration(r.billed_duration),
    asr: (r) => ratio(r.connected * 100, r.attempts, 2),
    acd: (r) => ratio(r.duration, r.connected, 1),
    ner: (r) => percent(r.ner),
    pdd_ms: (r) => fixed(r.pdd_ms, 0),
    charge: (r, view) => moneyOfMicros(r.charge_micros, view.currency),
    cost: (r, view) => moneyOfMicros(r.cost_micros, view.currency),
    profit: (r, view) => moneyOfMicros(r.profit_micros, view.currency),
    profit_pct: (r) => ratio(r.profit_micros * 100, r.charge_micros, 2),
  };
  const SUMMARY_TITLE = {
    attempts: () => "Attempts",
    connected: () => "Connected",
    duration: (view) => `Duration (${view.durationUnit})`,
    billed_duration: (view) => `Billed (${view.durationUnit})`,
    asr: () => "ASR %",
    acd: () => `ACD (${UNITS.acd})`,
    ner: () => "NER %",
    pdd_ms: () => `PDD (${UNITS.pdd})`,
    charge: (view) => `Charge (${view.currency})`,
    cost: (view) => `Cost (${view.currency})`,
    profit: (view) => `Profit (${view.currency})`,
    profit_pct: () => "Profit %",
  };
  const SUMMARY_VIEW = { duration: minutes, durationUnit: UNITS.duration };
  const summaryText = (field, row, view) => SUMMARY_TEXT[field](row, { ...SUMMARY_VIEW, ...view });
  const summaryTitle = (field, view) => SUMMARY_TITLE[field]({ ...SUMMARY_VIEW, ...view });

  window.carrierdeskFormat = {
    moneyDigits, micros, roundMicros, moneyOfMicros, money, moneyNumber, moneyWithCode,
    ratio, fixed, minutes, acdSeconds, percent, clock, UNITS,
    summaryRow, summaryText, summaryTitle, SUMMARY_FIELDS: Object.keys(SUMMARY_TEXT),
  };
})();

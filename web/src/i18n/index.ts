// A small i18n: zh-CN first and the default, English as the switch. Every
// key of zh-CN must exist in en (the type of `en` enforces it). Strings may
// carry {name} placeholders. The choice is kept in localStorage.
import { ref } from "vue";
import zh from "./zh-CN";
import en from "./en";

export type Locale = "zh-CN" | "en";
export type MessageKey = keyof typeof zh;

const dictionaries: Record<Locale, Record<MessageKey, string>> = { "zh-CN": zh, en };
const STORAGE_KEY = "hotline.locale";

function initialLocale(): Locale {
  try {
    const saved = localStorage.getItem(STORAGE_KEY);
    if (saved === "en" || saved === "zh-CN") return saved;
  } catch {
    /* storage unavailable */
  }
  return "zh-CN";
}

export const locale = ref<Locale>(initialLocale());
document.documentElement.lang = locale.value;

export function setLocale(l: Locale) {
  locale.value = l;
  document.documentElement.lang = l;
  try {
    localStorage.setItem(STORAGE_KEY, l);
  } catch {
    /* ignore */
  }
}

export function t(key: MessageKey, params?: Record<string, string | number>): string {
  let s = dictionaries[locale.value][key] ?? dictionaries["zh-CN"][key] ?? key;
  if (params) for (const [k, v] of Object.entries(params)) s = s.split(`{${k}}`).join(String(v));
  return s;
}

/** A key built from an enum value (state, type, channel ...); falls back to the raw value. */
export function tv(prefix: string, value: string | null | undefined): string {
  if (value === null || value === undefined || value === "") return "—";
  const key = `${prefix}.${value}` as MessageKey;
  return key in zh ? t(key) : value;
}

/** Times in the user's locale, in the browser's time zone. */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return "—";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString(locale.value === "en" ? "en-GB" : "zh-CN", {
    year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit",
  });
}

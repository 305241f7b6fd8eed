// Numbers an agent transfers to or dials: the national public-service and
// emergency hotlines (external), and a department's office number reduced
// to what the dial plan takes (digits only).

export interface Hotline {
  number: string;
  key: string; // i18n key suffix: hotline.NAME
}

export const EXTERNAL_HOTLINES: Hotline[] = [
  { number: "110", key: "police" },
  { number: "119", key: "fire" },
  { number: "120", key: "ambulance" },
  { number: "122", key: "traffic" },
  { number: "12315", key: "market" },
  { number: "12333", key: "social" },
  { number: "12366", key: "tax" },
  { number: "12369", key: "environment" },
  { number: "12319", key: "urban" },
  { number: "12348", key: "legal" },
  { number: "12338", key: "women" },
  { number: "12351", key: "union" },
];

/** "025-8888 1234" → "02588881234"; "" when nothing dialable is left. */
export function dialable(phone: string | null | undefined): string {
  return (phone ?? "").replace(/[^\d*#]/g, "");
}

// The incoming-call sound: a phone-like ring (two tones, 0.4 s on, 0.2 s
// off, 0.4 s on, 2 s off) made with WebAudio, so no sound file is needed.
// Browsers only start audio after a user gesture: unlock() is called from
// the agent's click on "log in" or "ready".
let ctx: AudioContext | null = null;
let timer: number | undefined;
let ringing = false;

function context(): AudioContext | null {
  if (ctx) return ctx;
  const Ctor = window.AudioContext ?? (window as any).webkitAudioContext;
  if (!Ctor) return null;
  ctx = new Ctor();
  return ctx;
}

export function unlockAudio() {
  const c = context();
  if (c && c.state === "suspended") c.resume().catch(() => {});
}

function burst(c: AudioContext, at: number, seconds: number) {
  const gain = c.createGain();
  gain.gain.setValueAtTime(0.0001, at);
  gain.gain.exponentialRampToValueAtTime(0.15, at + 0.02);
  gain.gain.setValueAtTime(0.15, at + seconds - 0.03);
  gain.gain.exponentialRampToValueAtTime(0.0001, at + seconds);
  gain.connect(c.destination);
  for (const f of [440, 480]) {
    const osc = c.createOscillator();
    osc.frequency.value = f;
    osc.connect(gain);
    osc.start(at);
    osc.stop(at + seconds);
  }
}

function cycle() {
  const c = context();
  if (!c || !ringing) return;
  const t = c.currentTime + 0.02;
  burst(c, t, 0.4);
  burst(c, t + 0.6, 0.4);
}

export function startRinging() {
  if (ringing) return;
  ringing = true;
  unlockAudio();
  cycle();
  timer = window.setInterval(cycle, 3000);
}

export function stopRinging() {
  ringing = false;
  window.clearInterval(timer);
}

export function isRinging() {
  return ringing;
}

/** A short beep (keypad feedback, errors). */
export function beep(frequency = 880, seconds = 0.08) {
  const c = context();
  if (!c) return;
  const gain = c.createGain();
  gain.gain.value = 0.08;
  gain.connect(c.destination);
  const osc = c.createOscillator();
  osc.frequency.value = frequency;
  osc.connect(gain);
  osc.start();
  osc.stop(c.currentTime + seconds);
}

// The wallboard's TV mode: the app's top bar hidden, the page full screen.
import { ref } from "vue";

export const tvMode = ref(false);

export async function setTvMode(on: boolean) {
  tvMode.value = on;
  try {
    if (on && !document.fullscreenElement) await document.documentElement.requestFullscreen?.();
    if (!on && document.fullscreenElement) await document.exitFullscreen?.();
  } catch {
    /* full screen refused (no user gesture, or a kiosk browser): the layout still switches */
  }
}

document.addEventListener("fullscreenchange", () => {
  if (!document.fullscreenElement && tvMode.value) tvMode.value = false;
});

import { defineConfig } from "vite";
import vue from "@vitejs/plugin-vue";

// `npm run dev` serves the app on :5173 and forwards the API and the
// WebSocket to a hotlined on 127.0.0.1:8080 (HOTLINE_URL overrides).
const target = process.env.HOTLINE_URL ?? "http://127.0.0.1:8080";

export default defineConfig({
  plugins: [vue()],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2020",
    // The wallboard's ECharts (bar, line, pie, canvas only) is a chunk of its
    // own, ~190 KB gzipped, loaded only when /wallboard is opened.
    chunkSizeWarningLimit: 600,
    rollupOptions: {
      output: {
        manualChunks: (id: string) => (id.includes("node_modules/echarts") || id.includes("node_modules/zrender") ? "echarts" : undefined),
      },
    },
  },
  server: {
    proxy: {
      "/api": { target, changeOrigin: false },
      "/ws": { target: target.replace(/^http/, "ws"), ws: true },
      "/healthz": { target },
    },
  },
});

// The browser's side of a call's media (docs/websocket-protocol.md, "The
// agent console"): hotlined terminates WebRTC itself (ICE-lite, DTLS-SRTP,
// PCMU/PCMA), so the browser needs no STUN/TURN server and sends its whole
// SDP at once (no trickle ICE): we wait for candidate gathering to finish
// before handing the SDP over. Used by the console (answer an offer from
// `call.invite`, or place a call) and by the test phone.

export interface MediaStats {
  packetsReceived: number;
  packetsSent: number;
  audioLevel: number; // 0..1, the last received audio level
  /** The received audio's total energy (grows while something audible arrives; the tests compare two readings). */
  totalAudioEnergy: number;
  state: RTCPeerConnectionState;
}

const GATHER_TIMEOUT_MS = 3000;

export class BrowserCall {
  readonly pc: RTCPeerConnection;
  private local: MediaStream | null = null;
  private audio: HTMLAudioElement;
  private closed = false;
  onStateChange: ((s: RTCPeerConnectionState) => void) | null = null;

  private constructor() {
    this.pc = new RTCPeerConnection({ iceServers: [], bundlePolicy: "max-bundle", rtcpMuxPolicy: "require" });
    this.audio = new Audio();
    this.audio.autoplay = true;
    this.pc.ontrack = (e) => {
      this.audio.srcObject = e.streams[0] ?? new MediaStream([e.track]);
      this.audio.play().catch(() => {
        /* autoplay refused: the user's click on answer usually allows it */
      });
    };
    this.pc.onconnectionstatechange = () => this.onStateChange?.(this.pc.connectionState);
  }

  /** A call with the microphone open. Throws when the browser refuses the microphone. */
  static async create(): Promise<BrowserCall> {
    if (!navigator.mediaDevices?.getUserMedia) throw new Error("getUserMedia unavailable (the page needs https or localhost)");
    const call = new BrowserCall();
    try {
      call.local = await navigator.mediaDevices.getUserMedia({ audio: true, video: false });
    } catch (e) {
      call.close();
      throw e;
    }
    return call;
  }

  private addLocalTracks() {
    for (const track of this.local?.getAudioTracks() ?? []) this.pc.addTrack(track, this.local!);
  }

  private gathered(): Promise<void> {
    if (this.pc.iceGatheringState === "complete") return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        this.pc.removeEventListener("icegatheringstatechange", check);
        window.clearTimeout(timer);
        resolve();
      };
      const check = () => {
        if (this.pc.iceGatheringState === "complete") done();
      };
      const timer = window.setTimeout(done, GATHER_TIMEOUT_MS);
      this.pc.addEventListener("icegatheringstatechange", check);
    });
  }

  /** Answers the server's offer: returns our answer SDP (for `call.answer`). */
  async answer(offerSdp: string): Promise<string> {
    await this.pc.setRemoteDescription({ type: "offer", sdp: offerSdp });
    this.addLocalTracks();
    const answer = await this.pc.createAnswer();
    await this.pc.setLocalDescription(answer);
    await this.gathered();
    return this.pc.localDescription?.sdp ?? answer.sdp ?? "";
  }

  /** Our offer for placing a call (`call.invite`). */
  async offer(): Promise<string> {
    this.addLocalTracks();
    if (this.pc.getTransceivers().length === 0) this.pc.addTransceiver("audio", { direction: "sendrecv" });
    const offer = await this.pc.createOffer();
    await this.pc.setLocalDescription(offer);
    await this.gathered();
    return this.pc.localDescription?.sdp ?? offer.sdp ?? "";
  }

  /** The server's answer to our offer. */
  async accept(answerSdp: string): Promise<void> {
    await this.pc.setRemoteDescription({ type: "answer", sdp: answerSdp });
  }

  setMuted(muted: boolean) {
    for (const t of this.local?.getAudioTracks() ?? []) t.enabled = !muted;
  }

  /** RFC 4733 tones on the media path (used when the server lacks `call.dtmf`). */
  insertDtmf(digits: string): boolean {
    const sender = this.pc.getSenders().find((s) => s.track?.kind === "audio");
    if (!sender?.dtmf || !sender.dtmf.canInsertDTMF) return false;
    sender.dtmf.insertDTMF(digits, 120, 70);
    return true;
  }

  async stats(): Promise<MediaStats> {
    const out: MediaStats = { packetsReceived: 0, packetsSent: 0, audioLevel: 0, totalAudioEnergy: 0, state: this.pc.connectionState };
    const report = await this.pc.getStats();
    report.forEach((s: any) => {
      if (s.type === "inbound-rtp" && s.kind === "audio") {
        out.packetsReceived += s.packetsReceived ?? 0;
        if (typeof s.audioLevel === "number") out.audioLevel = s.audioLevel;
        if (typeof s.totalAudioEnergy === "number") out.totalAudioEnergy += s.totalAudioEnergy;
      }
      if (s.type === "outbound-rtp" && s.kind === "audio") out.packetsSent += s.packetsSent ?? 0;
    });
    return out;
  }

  get isClosed() {
    return this.closed;
  }

  close() {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.local?.getTracks() ?? []) t.stop();
    this.audio.srcObject = null;
    try {
      this.pc.close();
    } catch {
      /* already closed */
    }
  }
}

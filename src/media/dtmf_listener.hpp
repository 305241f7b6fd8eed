#pragma once
// Whoever owns a DTMF receiver or detector (a leg, on its media thread)
// hears about digits through this. Both calls are made before the
// receiver's input method returns, on the caller's thread.
#include "hotline/media/dtmf.hpp"

namespace hotline::media {

class DtmfListener {
 public:
  // The key went down: a prompt that allows barge-in can stop now, before
  // the digit's length is known. Always comes first, once per digit, even
  // when the first thing seen of a digit was its end.
  virtual void on_dtmf_begin(char digit, DtmfSource source) {
    (void)digit;
    (void)source;
  }
  // The key came up (or the digit timed out): exactly once per digit.
  virtual void on_dtmf(const DtmfEvent& event) = 0;

 protected:
  ~DtmfListener() = default;
};

}  // namespace hotline::media

#pragma once
// A dialog (RFC 3261 §12) as plain values: what identifies it, the CSeq
// counters, the remote target and route set, and where its requests go.
// The B2BUA keeps one per call leg and builds in-dialog requests from it.
#include <cstdint>
#include <string>
#include <vector>

#include "hotline/sip/message.hpp"
#include "hotline/sip/transport.hpp"

namespace hotline::sip {

struct Dialog {
  std::string call_id;
  std::string local_tag;
  std::string remote_tag;
  NameAddr local;   // our From in requests we send (with our tag)
  NameAddr remote;  // their address (To of our requests), with their tag
  std::uint32_t local_cseq = 0;
  std::uint32_t remote_cseq = 0;
  Uri remote_target;                   // their Contact
  std::vector<std::string> route_set;  // Record-Route, in the order our requests use
  Source peer;                         // the path requests take (symmetric, NAT-safe)
  std::string local_contact;           // our Contact header value

  // UAS side (§12.1.1): from a request we received that creates the dialog.
  static Dialog from_request(const Message& request, const Source& source, const std::string& local_tag,
                             std::string local_contact);
  // UAC side (§12.1.2): from our request and a response carrying a To tag.
  static Dialog from_response(const Message& request, const Message& response, const Source& peer,
                              std::string local_contact);

  // The next request in this dialog (§12.2.1.1), CSeq counted up.
  Message request(const std::string& method);
  // The ACK for the 2xx to our INVITE with CSeq `invite_cseq` (§13.2.2.4).
  Message ack(std::uint32_t invite_cseq) const;
  // A request from the peer in this dialog: false when its CSeq is old (§12.2.2: answer 500).
  bool accept_remote_cseq(const Message& request);
  // A target refresh (re-INVITE, its 2xx) brings a new Contact.
  void refresh_target(const Message& message);
};

// Adds ";tag=" to a From/To value that has none.
NameAddr with_tag(NameAddr address, const std::string& tag);

}  // namespace hotline::sip

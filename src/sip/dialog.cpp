#include "hotline/sip/dialog.hpp"

#include <algorithm>

namespace hotline::sip {

NameAddr with_tag(NameAddr address, const std::string& tag) {
  if (address.tag.empty() && !tag.empty()) {
    address.text += ";tag=" + tag;
    address.tag = tag;
  }
  return address;
}

Dialog Dialog::from_request(const Message& request, const Source& source, const std::string& local_tag,
                            std::string local_contact) {
  Dialog d;
  d.call_id = request.call_id;
  d.local_tag = local_tag;
  d.remote_tag = request.from.tag;
  d.local = with_tag(request.to, local_tag);
  d.remote = request.from;
  d.remote_cseq = request.cseq;
  d.local_cseq = 0;
  if (!request.contacts.empty()) d.remote_target = request.contacts.front().uri;
  d.route_set = request.record_routes;
  d.peer = source;
  d.local_contact = std::move(local_contact);
  return d;
}

Dialog Dialog::from_response(const Message& request, const Message& response, const Source& peer,
                             std::string local_contact) {
  Dialog d;
  d.call_id = request.call_id;
  d.local_tag = request.from.tag;
  d.remote_tag = response.to.tag;
  d.local = request.from;
  d.remote = response.to;
  d.local_cseq = request.cseq;
  d.remote_target = response.contacts.empty() ? request.request_uri : response.contacts.front().uri;
  d.route_set.assign(response.record_routes.rbegin(), response.record_routes.rend());
  d.peer = peer;
  d.local_contact = std::move(local_contact);
  return d;
}

Message Dialog::request(const std::string& method) {
  Message m;
  m.is_request = true;
  m.method = method;
  m.request_uri = remote_target;
  m.routes = route_set;
  m.from = local;
  m.to = remote;
  m.call_id = call_id;
  m.cseq = ++local_cseq;
  m.cseq_method = method;
  if (!local_contact.empty() &&
      (method == "INVITE" || method == "UPDATE" || method == "NOTIFY" || method == "SUBSCRIBE" || method == "REFER")) {
    NameAddr contact;
    contact.text = local_contact;
    m.contacts.push_back(contact);
  }
  m.headers = {{"Max-Forwards", "70"}, {"User-Agent", "hotlined"}};
  return m;
}

Message Dialog::ack(std::uint32_t invite_cseq) const {
  Message m;
  m.is_request = true;
  m.method = "ACK";
  m.request_uri = remote_target;
  m.routes = route_set;
  m.from = local;
  m.to = remote;
  m.call_id = call_id;
  m.cseq = invite_cseq;
  m.cseq_method = "ACK";
  m.headers = {{"Max-Forwards", "70"}};
  return m;
}

bool Dialog::accept_remote_cseq(const Message& request) {
  if (request.method == "ACK" || request.method == "CANCEL") return true;
  if (remote_cseq != 0 && request.cseq <= remote_cseq) return false;
  remote_cseq = request.cseq;
  return true;
}

void Dialog::refresh_target(const Message& message) {
  if (!message.contacts.empty() && !message.contacts.front().uri.text.empty())
    remote_target = message.contacts.front().uri;
}

}  // namespace hotline::sip

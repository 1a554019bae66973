#include "zkcc/tee/nvidia_gpu/rim.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <xmlsec/xmlsec.h>  // first: the other xmlsec headers use its types
#include <xmlsec/errors.h>
#include <xmlsec/io.h>
#include <xmlsec/keys.h>
#include <xmlsec/list.h>
#include <xmlsec/openssl/app.h>
#include <xmlsec/openssl/crypto.h>
#include <xmlsec/openssl/evp.h>
#include <xmlsec/transforms.h>
#include <xmlsec/xmldsig.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <memory>
#include <mutex>
#include <optional>
#include <set>

#include "nvidia_roots.h"
#include "zkcc/tee/chain.h"

namespace zkcc::tee::nvidia_gpu {
namespace {

constexpr const char* kSwidNs = "http://standards.iso.org/iso/19770/-2/2015/schema.xsd";
constexpr const char* kTcgRimNs =
    "https://trustedcomputinggroup.org/resource/tcg-reference-integrity-manifest-rim-information-model/";
constexpr const char* kSha384Ns = "http://www.w3.org/2001/04/xmlenc#sha384";
constexpr const char* kDsigNs = "http://www.w3.org/2000/09/xmldsig#";

constexpr size_t kMaxRimBytes = size_t{4} << 20;  // real RIMs are tens of KiB
constexpr uint32_t kMaxIndex = 253;               // index + 1 must be an SPDM block index (1..254)
constexpr uint32_t kMaxAlternatives = 16;
constexpr uint32_t kSha384Size = 48;
constexpr size_t kMaxCertificates = 8;

// NVIDIA's opaque field for the NVDEC0 engine, and the value that says it is disabled: then the
// engine's measurement (RIM index 35) is not meaningful.
constexpr uint16_t kOpaqueNvdec0Status = 11;
constexpr uint8_t kNvdecDisabled = 0x55;
constexpr uint32_t kNvdecMeasurementIndex = 35;

const xmlChar* xc(const char* s) { return reinterpret_cast<const xmlChar*>(s); }
std::string str(const xmlChar* s) { return s == nullptr ? "" : std::string(reinterpret_cast<const char*>(s)); }

struct DocFree {
  void operator()(xmlDoc* d) const { xmlFreeDoc(d); }
};
struct ParserFree {
  void operator()(xmlParserCtxt* c) const { xmlFreeParserCtxt(c); }
};
struct DsigFree {
  void operator()(xmlSecDSigCtx* c) const { xmlSecDSigCtxDestroy(c); }
};
struct KeyFree {
  void operator()(xmlSecKey* k) const { xmlSecKeyDestroy(k); }
};
struct XmlCharFree {
  void operator()(xmlChar* p) const { xmlFree(p); }
};
using DocPtr = std::unique_ptr<xmlDoc, DocFree>;

// xmlsec reports errors through one process-wide callback; a verification keeps the first one
// raised on its own thread while it runs (the innermost: the cause; the rest only trace the call
// stack), and everything else is dropped rather than printed.
thread_local std::string* t_xmlsec_errors = nullptr;

void collect_xmlsec_error(const char* /*file*/, int /*line*/, const char* func, const char* /*object*/,
                          const char* /*subject*/, int reason, const char* msg) {
  std::string* out = t_xmlsec_errors;
  if (out == nullptr || !out->empty()) return;
  std::string reason_text;
  for (xmlSecSize i = 0; i < XMLSEC_ERRORS_MAX_NUMBER && xmlSecErrorsGetMsg(i) != nullptr; ++i) {
    if (xmlSecErrorsGetCode(i) == reason) {
      reason_text = xmlSecErrorsGetMsg(i);
      break;
    }
  }
  std::string details = msg != nullptr ? msg : "";
  while (!details.empty() && details.back() == ' ') details.pop_back();
  *out = std::string(func != nullptr ? func : "xmlsec") + ": " + reason_text;
  if (!details.empty()) *out += " (" + details + ")";
}

class XmlsecErrors {
 public:
  XmlsecErrors() : previous_(t_xmlsec_errors) { t_xmlsec_errors = &text_; }
  // Also drops what OpenSSL queued on this thread meanwhile (a failed signature leaves errors).
  ~XmlsecErrors() {
    t_xmlsec_errors = previous_;
    ERR_clear_error();
  }
  XmlsecErrors(const XmlsecErrors&) = delete;
  XmlsecErrors& operator=(const XmlsecErrors&) = delete;
  const std::string& text() const { return text_; }

 private:
  std::string text_;
  std::string* previous_;
};

// libxml2 and xmlsec keep process-wide state: initialized once, by whichever thread comes first,
// and never torn down (other threads may still be verifying).
const Status& xml_libraries() {
  static Status status;
  static std::once_flag once;
  std::call_once(once, [] {
    xmlInitParser();
    // xmlSecInit also installs xmlsec's loader that refuses external entities.
    if (xmlSecInit() < 0) {
      status = internal_error("xmlsec failed to initialize");
      return;
    }
    if (xmlSecCheckVersion() != 1) {
      status = internal_error("the loaded xmlsec library is incompatible with its headers");
      return;
    }
    if (xmlSecOpenSSLAppInit(nullptr) < 0 || xmlSecOpenSSLInit() < 0) {
      status = internal_error("xmlsec's OpenSSL backend failed to initialize");
      return;
    }
    // After xmlSecOpenSSLInit, which installs its own printing callback.
    xmlSecErrorsSetCallback(collect_xmlsec_error);
    // A RIM signs only itself (URI=""): xmlsec gets no way to open files or URLs.
    xmlSecIOCleanupCallbacks();
  });
  return status;
}

// A DOCTYPE is where entity expansion and external loads begin, and RIMs have none: stop there.
void refuse_doctype(void* ctx, const xmlChar* /*name*/, const xmlChar* /*external_id*/, const xmlChar* /*system_id*/) {
  auto* ctxt = static_cast<xmlParserCtxt*>(ctx);
  *static_cast<bool*>(ctxt->_private) = true;
  xmlStopParser(ctxt);
}

xmlParserInput* refuse_entity(void* /*ctx*/, const xmlChar* /*public_id*/, const xmlChar* /*system_id*/) {
  return nullptr;
}

StatusOr<DocPtr> read_xml(std::string_view xml) {
  ZKCC_RETURN_IF_ERROR(xml_libraries());
  if (xml.empty()) return invalid_argument("RIM is empty");
  if (xml.size() > kMaxRimBytes) {
    return invalid_argument("RIM is " + std::to_string(xml.size()) + " bytes; at most " + std::to_string(kMaxRimBytes) +
                            " are accepted");
  }
  std::unique_ptr<xmlParserCtxt, ParserFree> ctxt(xmlNewParserCtxt());
  if (ctxt == nullptr || ctxt->sax == nullptr) return internal_error("out of memory");
  bool saw_doctype = false;
  ctxt->_private = &saw_doctype;
  ctxt->sax->internalSubset = refuse_doctype;
  ctxt->sax->externalSubset = nullptr;
  ctxt->sax->resolveEntity = refuse_entity;
  // No DTD loading, no entity substitution, no network; errors come back here, not on stderr.
  const int options = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING;
  DocPtr doc(xmlCtxtReadMemory(ctxt.get(), xml.data(), static_cast<int>(xml.size()), nullptr, nullptr, options));
  if (saw_doctype) return invalid_argument("RIM has a DOCTYPE; RIMs carry no DTD");
  if (doc == nullptr || !ctxt->wellFormed) {
    std::string detail = "not well-formed";
    if (const xmlError* e = xmlCtxtGetLastError(ctxt.get()); e != nullptr && e->message != nullptr) {
      detail = e->message;
      while (!detail.empty() && (detail.back() == '\n' || detail.back() == ' ')) detail.pop_back();
      detail = "line " + std::to_string(e->line) + ": " + detail;
    }
    return invalid_argument("RIM is not well-formed XML (" + detail + ")");
  }
  return doc;
}

bool is_element(const xmlNode* n, const char* local, const char* ns) {
  return n != nullptr && n->type == XML_ELEMENT_NODE && xmlStrEqual(n->name, xc(local)) && n->ns != nullptr &&
         xmlStrEqual(n->ns->href, xc(ns));
}

std::vector<xmlNode*> element_children(const xmlNode* n) {
  std::vector<xmlNode*> out;
  for (xmlNode* c = n->children; c != nullptr; c = c->next) {
    if (c->type == XML_ELEMENT_NODE) out.push_back(c);
  }
  return out;
}

// The one child element named local in ns; an error when there is none or several.
StatusOr<xmlNode*> only_child(const xmlNode* n, const char* local, const char* ns) {
  xmlNode* found = nullptr;
  for (xmlNode* c : element_children(n)) {
    if (!is_element(c, local, ns)) continue;
    if (found != nullptr) return invalid_argument(str(n->name) + " has more than one " + local);
    found = c;
  }
  if (found == nullptr) return invalid_argument(str(n->name) + " has no " + local);
  return found;
}

// An attribute without a namespace (ns == nullptr) or in namespace ns.
std::optional<std::string> attr(const xmlNode* n, const char* name, const char* ns = nullptr) {
  std::unique_ptr<xmlChar, XmlCharFree> v(ns == nullptr ? xmlGetNoNsProp(n, xc(name)) : xmlGetNsProp(n, xc(name), xc(ns)));
  if (v == nullptr) return std::nullopt;
  return str(v.get());
}

StatusOr<std::string> required_attr(const xmlNode* n, const char* name, const std::string& where) {
  auto v = attr(n, name);
  if (!v || v->empty()) return invalid_argument(where + " lacks the " + name + " attribute");
  return *v;
}

// A plain decimal number: digits only, no sign or spaces, at most `max`.
StatusOr<uint32_t> decimal_attr(const xmlNode* n, const char* name, uint32_t max, const std::string& where) {
  ZKCC_ASSIGN_OR_RETURN(std::string text, required_attr(n, name, where));
  uint32_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text[0] < '0' || text[0] > '9' || ec != std::errc() || end != text.data() + text.size() || value > max) {
    return invalid_argument(where + " has " + name + "=\"" + text + "\"; expected a number up to " + std::to_string(max));
  }
  return value;
}

StatusOr<RimMeasurement> parse_resource(const xmlNode* n, size_t position) {
  std::string where = "RIM Resource " + std::to_string(position);
  ZKCC_ASSIGN_OR_RETURN(std::string type, required_attr(n, "type", where));
  if (type != "Measurement") return invalid_argument(where + " has type \"" + type + "\", not Measurement");
  RimMeasurement m;
  ZKCC_ASSIGN_OR_RETURN(m.index, decimal_attr(n, "index", kMaxIndex, where));
  where = "RIM measurement " + std::to_string(m.index);
  m.name = attr(n, "name").value_or("");
  ZKCC_ASSIGN_OR_RETURN(std::string active, required_attr(n, "active", where));
  if (active == "True" || active == "true") {
    m.active = true;
  } else if (active != "False" && active != "false") {
    return invalid_argument(where + " has active=\"" + active + "\"; expected True or False");
  }
  ZKCC_ASSIGN_OR_RETURN(m.size, decimal_attr(n, "size", 1024, where));
  if (m.size != kSha384Size) return invalid_argument(where + " has size " + std::to_string(m.size) + "; SHA-384 needs 48");
  ZKCC_ASSIGN_OR_RETURN(uint32_t alternatives, decimal_attr(n, "alternatives", kMaxAlternatives, where));
  if (alternatives == 0) return invalid_argument(where + " has no alternatives");
  for (uint32_t i = 0; i < alternatives; ++i) {
    std::string name = "Hash" + std::to_string(i);
    auto text = attr(n, name.c_str(), kSha384Ns);
    if (!text) return invalid_argument(where + " lacks its SHA-384 " + name);
    if (text->size() != 2 * size_t{m.size}) {
      return invalid_argument(where + " " + name + " has " + std::to_string(text->size()) + " hex digits, expected " +
                              std::to_string(2 * m.size));
    }
    auto bytes = from_hex(*text);
    if (!bytes.ok()) return bytes.status().with_context(where + " " + name);
    m.alternatives.push_back(std::move(*bytes));
  }
  return m;
}

StatusOr<Rim> parse_rim_doc(const xmlDoc* doc) {
  const xmlNode* root = xmlDocGetRootElement(doc);
  if (!is_element(root, "SoftwareIdentity", kSwidNs)) return invalid_argument("RIM root is not a SWID SoftwareIdentity");
  Rim rim;
  ZKCC_ASSIGN_OR_RETURN(rim.name, required_attr(root, "name", "RIM SoftwareIdentity"));
  ZKCC_ASSIGN_OR_RETURN(rim.version, required_attr(root, "version", "RIM SoftwareIdentity"));
  ZKCC_ASSIGN_OR_RETURN(rim.tag_id, required_attr(root, "tagId", "RIM SoftwareIdentity"));

  ZKCC_ASSIGN_OR_RETURN(const xmlNode* meta, only_child(root, "Meta", kSwidNs));
  RimMeta& m = rim.meta;
  m.colloquial_version = attr(meta, "colloquialVersion").value_or("");
  m.edition = attr(meta, "edition").value_or("");
  m.product = attr(meta, "product").value_or("");
  m.revision = attr(meta, "revision").value_or("");
  m.payload_type = attr(meta, "PayloadType").value_or("");
  m.binding_spec = attr(meta, "BindingSpec", kTcgRimNs).value_or("");
  m.binding_spec_version = attr(meta, "BindingSpecVersion", kTcgRimNs).value_or("");
  m.platform_manufacturer = attr(meta, "PlatformManufacturerStr", kTcgRimNs).value_or("");
  m.platform_manufacturer_id = attr(meta, "PlatformManufacturerId", kTcgRimNs).value_or("");
  m.platform_model = attr(meta, "PlatformModel", kTcgRimNs).value_or("");
  m.firmware_manufacturer = attr(meta, "FirmwareManufacturer", kTcgRimNs).value_or("");
  m.firmware_manufacturer_id = attr(meta, "FirmwareManufacturerId", kTcgRimNs).value_or("");

  ZKCC_ASSIGN_OR_RETURN(const xmlNode* payload, only_child(root, "Payload", kSwidNs));
  std::set<uint32_t> seen;
  size_t position = 0;
  for (const xmlNode* c : element_children(payload)) {
    if (!is_element(c, "Resource", kSwidNs)) {
      return invalid_argument("RIM Payload holds a " + str(c->name) + ", not a Resource");
    }
    ZKCC_ASSIGN_OR_RETURN(RimMeasurement meas, parse_resource(c, position++));
    if (!seen.insert(meas.index).second) {
      return invalid_argument("RIM has measurement index " + std::to_string(meas.index) + " twice");
    }
    rim.measurements.push_back(std::move(meas));
  }
  if (rim.measurements.empty()) return invalid_argument("RIM has no measurements");
  return rim;
}

// Every element named local in ns anywhere under (and including) root, in document order.
std::vector<xmlNode*> find_elements(xmlNode* root, const char* local, const char* ns) {
  std::vector<xmlNode*> out;
  xmlNode* cur = root;
  while (cur != nullptr) {
    if (is_element(cur, local, ns)) out.push_back(cur);
    if (cur->type == XML_ELEMENT_NODE && cur->children != nullptr) {
      cur = cur->children;
      continue;
    }
    while (cur != root && cur->next == nullptr) cur = cur->parent;
    if (cur == root) break;
    cur = cur->next;
  }
  return out;
}

// The enveloped signature: exactly one ds:Signature in the document, a child of the root, so no
// second signature or wrapped copy can stand in for it.
StatusOr<xmlNode*> find_signature(xmlDoc* doc) {
  xmlNode* root = xmlDocGetRootElement(doc);
  std::vector<xmlNode*> sigs = find_elements(root, "Signature", kDsigNs);
  if (sigs.empty()) return invalid_argument("RIM is not signed (no ds:Signature)");
  if (sigs.size() > 1) {
    return invalid_argument("RIM has " + std::to_string(sigs.size()) + " ds:Signature elements; expected one");
  }
  if (sigs[0]->parent != root) return invalid_argument("RIM's ds:Signature is not a child of SoftwareIdentity");
  return sigs[0];
}

// KeyInfo/X509Data's certificates, in document order (leaf first).
StatusOr<std::vector<Certificate>> embedded_certificates(const xmlNode* sig) {
  ZKCC_ASSIGN_OR_RETURN(const xmlNode* key_info, only_child(sig, "KeyInfo", kDsigNs));
  ZKCC_ASSIGN_OR_RETURN(const xmlNode* data, only_child(key_info, "X509Data", kDsigNs));
  std::vector<Certificate> out;
  for (const xmlNode* c : element_children(data)) {
    if (!is_element(c, "X509Certificate", kDsigNs)) continue;
    if (out.size() == kMaxCertificates) {
      return invalid_argument("RIM embeds more than " + std::to_string(kMaxCertificates) + " certificates");
    }
    if (!element_children(c).empty()) return invalid_argument("RIM X509Certificate holds elements, not base64");
    std::unique_ptr<xmlChar, XmlCharFree> content(xmlNodeGetContent(c));
    std::string b64;
    for (char ch : str(content.get())) {
      if (ch != ' ' && ch != '\t' && ch != '\r' && ch != '\n') b64.push_back(ch);  // base64Binary allows line breaks
    }
    std::string where = "RIM certificate " + std::to_string(out.size());
    auto der = from_base64(b64);
    if (!der.ok()) return der.status().with_context(where);
    auto cert = Certificate::from_der(*der);
    if (!cert.ok()) return cert.status().with_context(where);
    out.push_back(std::move(*cert));
  }
  if (out.empty()) return invalid_argument("RIM KeyInfo holds no X509Certificate");
  return out;
}

// Verifies the XML-DSig signature with `leaf`'s public key. Returns "" when it verifies, else why not.
std::string check_signature(xmlNode* sig, const Certificate& leaf) {
  XmlsecErrors errors;
  std::unique_ptr<xmlSecDSigCtx, DsigFree> ctx(xmlSecDSigCtxCreate(nullptr));  // no keys manager: no key lookup
  if (ctx == nullptr) return "out of memory";
  // Only what a RIM uses: a reference to the whole document, the enveloped-signature and C14N 1.1
  // transforms, SHA-384, ECDSA P-384. Anything else (XSLT, XPath, external URIs) is refused.
  ctx->enabledReferenceUris = xmlSecTransformUriTypeEmpty;
  ctx->flags |= XMLSEC_DSIG_FLAGS_IGNORE_MANIFESTS;
  if (xmlSecDSigCtxEnableSignatureTransform(ctx.get(), xmlSecTransformInclC14N11Id) < 0 ||
      xmlSecDSigCtxEnableSignatureTransform(ctx.get(), xmlSecOpenSSLTransformEcdsaSha384Id) < 0 ||
      xmlSecDSigCtxEnableReferenceTransform(ctx.get(), xmlSecTransformEnvelopedId) < 0 ||
      xmlSecDSigCtxEnableReferenceTransform(ctx.get(), xmlSecTransformInclC14N11Id) < 0 ||
      xmlSecDSigCtxEnableReferenceTransform(ctx.get(), xmlSecOpenSSLTransformSha384Id) < 0) {
    return "xmlsec refused the transform list: " + errors.text();
  }

  // The key comes from the leaf certificate we chain ourselves, never from KeyInfo or a key store.
  EVP_PKEY* pkey = X509_get_pubkey(leaf.raw());
  if (pkey == nullptr) return "the leaf certificate's public key cannot be read";
  xmlSecKeyDataPtr data = xmlSecOpenSSLEvpKeyAdopt(pkey);
  if (data == nullptr) {
    EVP_PKEY_free(pkey);
    return "the leaf certificate's key type is not supported: " + errors.text();
  }
  std::unique_ptr<xmlSecKey, KeyFree> key(xmlSecKeyCreate());
  if (key == nullptr) {
    xmlSecKeyDataDestroy(data);
    return "out of memory";
  }
  // The key owns the data from here on, whatever xmlSecKeySetValue returns.
  if (xmlSecKeySetValue(key.get(), data) < 0) return "xmlsec refused the leaf key: " + errors.text();
  ctx->signKey = key.release();  // the context owns it now

  if (xmlSecDSigCtxVerify(ctx.get(), sig) < 0) return "the signature cannot be processed: " + errors.text();

  xmlSecPtrListPtr refs = &ctx->signedInfoReferences;
  xmlSecSize nrefs = xmlSecPtrListGetSize(refs);
  if (nrefs != 1) return "SignedInfo has " + std::to_string(nrefs) + " references; expected one, to the whole document";
  auto* ref = static_cast<xmlSecDSigReferenceCtx*>(xmlSecPtrListGetItem(refs, 0));
  if (ref == nullptr || ref->uri == nullptr || ref->uri[0] != '\0') {
    return "the signed reference is not the whole document (URI=\"\")";
  }
  if (ref->status != xmlSecDSigStatusSucceeded) {
    return "the digest of the signed content does not match: the RIM was modified after signing";
  }
  if (ctx->status != xmlSecDSigStatusSucceeded) {
    return "SignatureValue does not verify with the key of " + leaf.common_name();
  }
  return "";
}

const Certificate* corim_root() {
  static const std::optional<Certificate> root = pinned_certificate(kCorimRootPem, kCorimRootSha256);
  return root ? &*root : nullptr;
}


}  // namespace

StatusOr<Rim> parse_rim(std::string_view xml) {
  ZKCC_ASSIGN_OR_RETURN(DocPtr doc, read_xml(xml));
  return parse_rim_doc(doc.get());
}

Verdict verify_rim(std::string_view xml, const RimTrustRoots& roots, int64_t at) {
  Verdict v;
  v.kind = "nvidia-rim";
  auto doc = read_xml(xml);
  StatusOr<Rim> rim = doc.ok() ? parse_rim_doc(doc->get()) : StatusOr<Rim>(doc.status());
  if (!rim.ok()) {
    v.add("RIM parses", false, rim.status().message());
    return v;
  }
  size_t active = 0;
  for (const RimMeasurement& m : rim->measurements) active += m.active ? 1 : 0;
  v.add("RIM parses", true,
        std::to_string(rim->measurements.size()) + " measurements, " + std::to_string(active) + " active");
  v.claims = {{"name", rim->name},
              {"version", rim->version},
              {"tag_id", rim->tag_id},
              {"colloquial_version", rim->meta.colloquial_version},
              {"product", rim->meta.product},
              {"firmware_manufacturer", rim->meta.firmware_manufacturer},
              {"measurements", rim->measurements.size()},
              {"active_measurements", active}};

  // Both the signature and the chain need the embedded certificates.
  auto sig = find_signature(doc->get());
  auto chain = sig.ok() ? embedded_certificates(*sig) : StatusOr<std::vector<Certificate>>(sig.status());
  if (!chain.ok()) {
    v.add("RIM signature", false, "no usable signer certificate: " + chain.status().message());
    v.add("certificate chain", false, chain.status().message());
    return v;
  }
  const Certificate& leaf = chain->front();
  v.claims["signer"] = leaf.common_name();
  std::string why = check_signature(*sig, leaf);
  v.add("RIM signature", why.empty(), why.empty() ? "ECDSA P-384 / SHA-384 by " + leaf.common_name() : why);

  std::vector<Certificate> trusted;
  if (roots.nvidia && corim_root() != nullptr) trusted.push_back(*corim_root());
  trusted.insert(trusted.end(), roots.extra.begin(), roots.extra.end());
  check_chain(*chain, trusted, at, v);
  return v;
}

Verdict compare_measurements(const GpuReport& report, const Rim& rim) {
  Verdict v;
  v.kind = "nvidia-gpu-measurements";
  const OpaqueField* nvdec = report.field(kOpaqueNvdec0Status);
  bool nvdec_disabled = nvdec != nullptr && !nvdec->value.empty() && nvdec->value[0] == kNvdecDisabled;
  nlohmann::json mismatched = nlohmann::json::array();
  nlohmann::json skipped = nlohmann::json::array();
  size_t compared = 0;
  for (const RimMeasurement& m : rim.measurements) {
    if (!m.active) continue;
    if (m.index == kNvdecMeasurementIndex && nvdec_disabled) {
      skipped.push_back(m.index);
      continue;
    }
    ++compared;
    std::string name = "measurement " + std::to_string(m.index);
    const MeasurementBlock* block = nullptr;
    size_t copies = 0;
    for (const MeasurementBlock& b : report.blocks) {
      if (b.index == m.index + 1) {
        block = &b;
        ++copies;
      }
    }
    std::string why;
    if (copies == 0) {
      why = "the report has no block " + std::to_string(m.index + 1);
    } else if (copies > 1) {
      why = "the report has " + std::to_string(copies) + " blocks with index " + std::to_string(m.index + 1);
    } else {
      bool match = false;
      for (const Bytes& alt : m.alternatives) match = match || alt == block->value;
      if (!match) {
        why = "the report has " + to_hex(block->value) + "; the RIM allows ";
        for (size_t i = 0; i < m.alternatives.size(); ++i) why += (i == 0 ? "" : " or ") + to_hex(m.alternatives[i]);
      }
    }
    if (!why.empty()) mismatched.push_back(m.index);
    v.add(name, why.empty(), why);
  }
  if (compared == 0) v.add("active measurements", false, "the RIM has no active measurement to compare");
  v.claims = {{"rim_tag_id", rim.tag_id},
              {"rim_version", rim.meta.colloquial_version},
              {"report_driver_version", report.driver_version().value_or("")},
              {"compared", compared},
              {"mismatched_indices", mismatched}};
  if (!skipped.empty()) v.claims["skipped_indices"] = skipped;
  return v;
}

}  // namespace zkcc::tee::nvidia_gpu

namespace zkcc::tee::nvidia_gpu {

Verdict check_rim_versions(const GpuReport& report, std::span<const Rim> rims) {
  Verdict v;
  v.kind = "nvidia-rim";
  auto same = [](std::string a, std::string b) {
    auto lower = [](std::string& s) {
      for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    };
    lower(a);
    lower(b);
    return !a.empty() && a == b;
  };
  std::string given;
  for (const Rim& rim : rims) given += (given.empty() ? "" : ", ") + rim.meta.colloquial_version;
  struct Want {
    const char* check;
    const char* what;
    std::optional<std::string> version;
  };
  for (const Want& w : {Want{"driver RIM version is the report's", "driver", report.driver_version()},
                        Want{"VBIOS RIM version is the report's", "VBIOS", report.vbios_version()}}) {
    bool found = w.version && std::any_of(rims.begin(), rims.end(), [&](const Rim& r) { return same(r.meta.colloquial_version, *w.version); });
    v.add(w.check, found,
          found ? *w.version
                : !w.version ? std::string("the report names no ") + w.what + " version"
                             : "the evidence's " + std::string(w.what) + " version is " + *w.version +
                                   " but the RIMs given are for " + (given.empty() ? std::string("no version") : given) +
                                   ": supply the " + w.what + " RIM for " + *w.version + " (--rim, or `prove-model fetch-collateral --rim`)");
  }
  return v;
}

}  // namespace zkcc::tee::nvidia_gpu

#pragma once
// xmlsec1 and its OpenSSL back end, initialised once per process: every signature, verification,
// encryption and decryption in gateway/xml calls initXmlsec() first. Throws std::runtime_error
// when xmlsec cannot start (a broken installation: a start-up failure, not a request error).
namespace sesame::xml {

void initXmlsec();

}  // namespace sesame::xml

#include "gateway/xml/saml_idp_metadata.hpp"

#include "gateway/xml/saml_markup.hpp"
#include "gateway/xml/saml_names.hpp"
#include "gateway/xml/saml_value.hpp"

namespace sesame::xml::saml {
namespace {

void writeKeyDescriptors(Markup& out, std::string_view use,
                         const std::vector<std::string>& certificates) {
    for (const auto& certificate : certificates) {
        out.start("md:KeyDescriptor").attribute("use", use).open();
        out.start("ds:KeyInfo")
            .attribute("xmlns:ds", ns::dsig)
            .open()
            .start("ds:X509Data")
            .open()
            .element("ds:X509Certificate", certificateBase64(certificate))
            .close("ds:X509Data")
            .close("ds:KeyInfo")
            .close("md:KeyDescriptor");
    }
}

void writeEndpoints(Markup& out, std::string_view name,
                    const std::vector<MetadataEndpoint>& endpoints) {
    for (const auto& endpoint : endpoints)
        out.start(name)
            .attribute("Binding", endpoint.binding)
            .attribute("Location", endpoint.location)
            .optionalAttribute("ResponseLocation", endpoint.responseLocation)
            .empty();
}

}  // namespace

std::string certificateBase64(std::string_view certificate) {
    std::string out;
    out.reserve(certificate.size());
    for (std::size_t i = 0; i < certificate.size(); ++i) {
        if (certificate.substr(i).starts_with("-----")) {  // "-----BEGIN CERTIFICATE-----"
            auto end = certificate.find("-----", i + 5);
            if (end == std::string_view::npos) break;
            i = end + 4;
            continue;
        }
        char c = certificate[i];
        if (isXmlSpace(c)) continue;
        out += c;
    }
    return out;
}

// saml-metadata-2.0-os §2.3.2 (EntityDescriptor), §2.4.1 (RoleDescriptor: KeyDescriptor first),
// §2.4.2 (SSODescriptor: SingleLogoutService, NameIDFormat), §2.4.3 (IDPSSODescriptor:
// SingleSignOnService last).
std::string writeIdpMetadata(const IdpMetadata& metadata) {
    Markup out(4096 + 2048 * (metadata.signingCertificates.size() +
                              metadata.encryptionCertificates.size()));
    out.start("md:EntityDescriptor")
        .attribute("xmlns:md", ns::metadata)
        .optionalAttribute("ID", metadata.id)
        .attribute("entityID", metadata.entityId);
    if (metadata.validUntil) out.instant("validUntil", *metadata.validUntil);
    if (metadata.cacheDurationSeconds)
        out.attribute("cacheDuration", "PT" + std::to_string(*metadata.cacheDurationSeconds) + "S");
    out.open();
    out.start("md:IDPSSODescriptor")
        .attribute("protocolSupportEnumeration", ns::protocol)
        .attribute("WantAuthnRequestsSigned", metadata.wantAuthnRequestsSigned ? "true" : "false")
        .open();
    writeKeyDescriptors(out, "signing", metadata.signingCertificates);
    writeKeyDescriptors(out, "encryption", metadata.encryptionCertificates);
    writeEndpoints(out, "md:SingleLogoutService", metadata.singleLogoutServices);
    for (const auto& format : metadata.nameIdFormats) out.element("md:NameIDFormat", format);
    writeEndpoints(out, "md:SingleSignOnService", metadata.singleSignOnServices);
    out.close("md:IDPSSODescriptor").close("md:EntityDescriptor");
    return out.take();
}

}  // namespace sesame::xml::saml

#pragma once
// An endpoint of SAML metadata (EndpointType, saml-metadata-2.0-os §2.2.2), one struct for the
// SP metadata read (saml_metadata.hpp) and the IdP metadata written (saml_idp_metadata.hpp).
#include <string>

namespace sesame::xml {

struct MetadataEndpoint {
    std::string binding;  // saml::binding::...
    std::string location;
    std::string responseLocation;  // empty when absent: responses go to location
};

namespace saml {
using xml::MetadataEndpoint;
}  // namespace saml

}  // namespace sesame::xml

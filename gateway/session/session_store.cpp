#include "gateway/session/session_store.hpp"

namespace sesame::session {

std::string_view artefactPrefix(ArtefactKind kind) {
    switch (kind) {
        case ArtefactKind::serviceTicket:
            return "st";
        case ArtefactKind::proxyTicket:
            return "pt";
        case ArtefactKind::proxyGrantingTicket:
            return "pgt";
        case ArtefactKind::loginFlow:
            return "flow";
    }
    return "artefact";
}

}  // namespace sesame::session

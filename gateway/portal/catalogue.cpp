#include "gateway/portal/catalogue.hpp"

#include <algorithm>
#include <array>
#include <cctype>

#include "gateway/core/text.hpp"

namespace sesame::portal {
namespace {

struct Entry {
    std::string_view key;
    std::string_view fr;
    std::string_view en;
};

// French typography: a no-break space (U+00A0) before ? ! : ; and inside « », so that the sign
// never starts a line on a narrow phone screen.
#define NBSP "\u00A0"

constexpr std::array entries{
    Entry{"app.name", "Sesame", "Sesame"},
    Entry{"lang.switch", "English", "Français"},  // the name of the *other* language
    Entry{"error.prefix", "Erreur" NBSP ":", "Error:"},

    Entry{"choice.title", "Qui êtes-vous" NBSP "?", "Who are you?"},
    Entry{"choice.intro", "Choisissez votre profil pour vous connecter.",
          "Choose your profile to sign in."},
    Entry{"choice.for_service", "Pour accéder au service « {service} », choisissez votre profil.",
          "To access “{service}”, choose your profile."},
    Entry{"choice.none", "Aucun moyen de connexion n'est disponible pour ce service.",
          "No way to sign in is available for this service."},

    Entry{"login.title", "Connexion", "Sign in"},
    Entry{"login.for_service", "Connexion au service « {service} »", "Sign in to “{service}”"},
    Entry{"login.login", "Identifiant", "Username"},
    Entry{"login.password", "Mot de passe", "Password"},
    Entry{"login.submit", "Se connecter", "Sign in"},
    Entry{"login.back", "Choisir un autre profil de connexion", "Choose another way to sign in"},
    // One sentence for an unknown account and a wrong password alike (no account enumeration,
    // OWASP ASVS 4.0 §2.2.1 / Authentication Cheat Sheet "Authentication and error messages").
    Entry{"login.failed", "Identifiant ou mot de passe incorrect.",
          "Incorrect username or password."},
    Entry{"login.throttled", "Trop de tentatives. Réessayez dans {minutes}" NBSP "minutes.",
          "Too many attempts. Try again in {minutes} minutes."},
    Entry{"login.throttled_one", "Trop de tentatives. Réessayez dans 1" NBSP "minute.",
          "Too many attempts. Try again in 1 minute."},
    // A login storm (docs/operations.md): said at once, with what was typed kept but the password.
    Entry{"login.busy",
          "Beaucoup de personnes se connectent en ce moment. Votre identifiant est gardé" NBSP ": "
          "retapez votre mot de passe et réessayez dans {seconds}" NBSP "secondes.",
          "Many people are signing in right now. Your username is kept: type your password "
          "again and retry in {seconds} seconds."},
    Entry{"login.slowed",
          "Trop de tentatives de connexion depuis votre réseau. Retapez votre mot de passe et "
          "réessayez dans {seconds}" NBSP "secondes.",
          "Too many sign-in attempts from your network. Type your password again and retry in "
          "{seconds} seconds."},
    Entry{"directory.unavailable",
          "L'annuaire «" NBSP "{directory}" NBSP "» ne répond pas pour le moment. Réessayez dans "
          "quelques minutes" NBSP "; les autres annuaires restent disponibles.",
          "The “{directory}” directory is not answering at the moment. Try again in a few "
          "minutes; the other directories are still available."},

    Entry{"deny.title", "Accès refusé", "Access denied"},
    Entry{"deny.back", "Retourner au service", "Back to the service"},
    Entry{"deny.service", "Vous n'avez pas accès à {service}.", "You cannot access {service}."},
    Entry{"deny.this_service", "Vous n'avez pas accès à ce service.",
          "You cannot access this service."},
    Entry{"deny.profile", "Ce service est réservé aux profils suivants" NBSP ": {profiles}.",
          "This service is only open to these profiles: {profiles}."},
    Entry{"deny.level",
          "Ce service demande au moins le niveau d'habilitation «" NBSP "{level}" NBSP "».",
          "This service requires at least the “{level}” access level."},
    Entry{"deny.structure",
          "Ce service est réservé aux établissements suivants" NBSP ": {structures}.",
          "This service is only open to these schools: {structures}."},
    Entry{"deny.directory", "Ce service demande une connexion par" NBSP ": {directories}.",
          "This service requires signing in through: {directories}."},
    Entry{"deny.assurance",
          "Ce service demande une connexion plus sûre (niveau «" NBSP "{level}" NBSP "»).",
          "This service requires a stronger sign-in (level “{level}”)."},
    Entry{"deny.other", "Votre compte ne remplit pas les conditions d'accès de ce service.",
          "Your account does not meet this service's access conditions."},
    Entry{"deny.actual_profile", "Votre profil actif" NBSP ": {actual}.",
          "Your active profile: {actual}."},
    Entry{"deny.actual_level", "Votre niveau d'habilitation" NBSP ": {actual}.",
          "Your access level: {actual}."},
    Entry{"deny.actual_structure", "Votre établissement" NBSP ": {actual}.",
          "Your school: {actual}."},
    Entry{"deny.actual_directory", "Vous êtes connecté·e par" NBSP ": {actual}.",
          "You signed in through: {actual}."},
    Entry{"deny.actual_assurance", "Votre connexion actuelle" NBSP ": {actual}.",
          "Your current sign-in: {actual}."},
    Entry{"deny.signed_in_as", "Vous êtes connecté·e en tant que {name}.",
          "You are signed in as {name}."},
    Entry{"deny.help",
          "Si vous pensez avoir besoin de ce service, adressez-vous à votre établissement.",
          "If you think you need this service, ask your school."},
    Entry{"deny.logout", "Se déconnecter ou changer de compte", "Sign out or switch account"},

    Entry{"error.title", "Impossible de continuer", "Unable to continue"},
    Entry{"error.detail", "Détail" NBSP ":", "Detail:"},
    Entry{"error.service_unknown",
          "Le service demandé n'est pas enregistré auprès de Sesame" NBSP ": vous ne serez pas "
          "redirigé·e vers lui.",
          "The requested service is not registered with Sesame: you will not be sent to it."},
    Entry{"error.invalid_request", "La demande est invalide ou incomplète.",
          "The request is invalid or incomplete."},
    Entry{"error.flow_expired",
          "Votre demande de connexion a expiré. Retournez sur le service et réessayez.",
          "Your sign-in request has expired. Go back to the service and try again."},
    Entry{"error.csrf",
          "Ce formulaire a expiré ou n'est plus valide. Retournez sur le service et réessayez.",
          "This form has expired or is no longer valid. Go back to the service and try again."},
    Entry{"error.too_many_requests",
          "Trop de demandes de connexion depuis cette adresse. Réessayez dans une minute.",
          "Too many sign-in requests from this address. Try again in a minute."},
    Entry{"error.saml_request",
          "Le service a envoyé une demande de connexion illisible, expirée ou déjà utilisée. "
          "Retournez au service et recommencez.",
          "The service sent a sign-in request that is unreadable, expired or already used. Go "
          "back to the service and try again."},
    Entry{"error.saml_unknown_sp", "Ce service n’est pas enregistré auprès de l’ENT.",
          "This service is not registered with the ENT."},
    Entry{"error.saml_acs_unknown",
          "Ce service demande une réponse à une adresse qu’il n’a pas déclarée. Par sécurité, "
          "rien ne lui est envoyé.",
          "This service asks for an answer at an address it did not register. For your "
          "safety, nothing is sent to it."},
    Entry{"error.saml_unsolicited",
          "Ce service ne peut pas être ouvert depuis l’ENT : ouvrez-le directement.",
          "This service cannot be opened from the ENT: open it directly."},
    Entry{"error.oidc_unknown_client", "Cette application n’est pas enregistrée auprès de l’ENT.",
          "This application is not registered with the ENT."},
    Entry{"error.oidc_redirect_uri",
          "Cette application demande une réponse à une adresse qu’elle n’a pas déclarée. Par "
          "sécurité, rien ne lui est envoyé.",
          "This application asks for an answer at an address it did not register. For your "
          "safety, nothing is sent to it."},
    Entry{"error.not_found", "Cette page n'existe pas.", "This page does not exist."},
    Entry{"error.unavailable",
          "Sesame est momentanément indisponible. Réessayez dans quelques minutes.",
          "Sesame is temporarily unavailable. Try again in a few minutes."},
    Entry{"error.internal", "Une erreur inattendue est survenue. Réessayez plus tard.",
          "An unexpected error occurred. Try again later."},

    Entry{"unavailable.title", "Service momentanément indisponible",
          "Service temporarily unavailable"},

    Entry{"logout.question", "Se déconnecter" NBSP "?", "Sign out?"},
    Entry{"logout.explained",
          "Votre session Sesame se termine, ainsi que celles des services ouverts avec elle.",
          "This ends your Sesame session and those of the services you opened with it."},
    Entry{"logout.title", "Vous êtes déconnecté·e", "You are signed out"},
    Entry{"logout.done", "Votre session Sesame est terminée.", "Your Sesame session has ended."},
    Entry{"logout.services", "Ces services ont aussi été déconnectés" NBSP ":",
          "These services were signed out too:"},
    Entry{"logout.frame", "Déconnexion d’un service", "Signing out of a service"},
    Entry{"logout.back_to_service",
          "Le service où vous avez demandé la déconnexion va être prévenu.",
          "The service where you asked to sign out will now be told."},
    Entry{"logout.continue", "Continuer", "Continue"},
    Entry{"logout.shared_device", "Sur un ordinateur partagé, fermez aussi le navigateur.",
          "On a shared computer, close the browser too."},

    Entry{"session.title", "Vous êtes connecté·e", "You are signed in"},
    Entry{"session.name", "Nom", "Name"},
    Entry{"session.profile", "Profil", "Profile"},
    Entry{"session.uai", "Établissement (UAI)", "School (UAI)"},
    Entry{"session.logout", "Se déconnecter", "Sign out"},

    Entry{"profile.National_ELV", "Élève", "Pupil"},
    Entry{"profile.National_TUT", "Parent ou responsable légal", "Parent or guardian"},
    Entry{"profile.National_ENS", "Enseignant", "Teacher"},
    Entry{"profile.National_DIR", "Personnel de direction", "School management"},
    Entry{"profile.National_EVS", "Vie scolaire", "Pupil support staff"},
    Entry{"profile.National_ETA", "Personnel administratif ou technique",
          "Administrative or technical staff"},
    Entry{"profile.National_ACA", "Personnel académique (rectorat, inspection)",
          "Academy staff (rectorate, inspection)"},
    Entry{"profile.National_DOC", "Professeur documentaliste", "School librarian"},
    Entry{"profile.National_COL", "Personnel de collectivité", "Local authority staff"},

    Entry{"level.eleve", "élève", "pupil"},
    Entry{"level.famille", "famille", "family"},
    Entry{"level.partenaire", "partenaire", "partner"},
    Entry{"level.agent_collectivite", "agent de collectivité", "local authority staff"},
    Entry{"level.enseignant", "enseignant", "teaching staff"},
    Entry{"level.direction", "direction et inspection", "management and inspection"},
    Entry{"level.administration", "administration", "administration"},
};

#undef NBSP

const Entry* find(std::string_view key) {
    for (const auto& e : entries)
        if (e.key == key) return &e;
    return nullptr;
}

}  // namespace

std::string_view message(Language language, std::string_view key) {
    const Entry* e = find(key);
    if (!e) return key;
    return language == Language::en ? e->en : e->fr;
}

bool hasMessage(std::string_view key) {
    const Entry* e = find(key);
    return e && !e->fr.empty() && !e->en.empty();
}

std::vector<std::string_view> messageKeys() {
    std::vector<std::string_view> keys;
    for (const auto& e : entries) keys.push_back(e.key);
    return keys;
}

std::string text(Language language, std::string_view key, const Substitutions& values) {
    std::string_view tpl = message(language, key);
    std::string out;
    out.reserve(tpl.size() + 32);
    // One pass over the template: a substituted value is never scanned again, so a value that
    // contains "{name}" stays literal text.
    std::size_t i = 0;
    while (i < tpl.size()) {
        auto open = tpl.find('{', i);
        if (open == std::string_view::npos) break;
        auto close = tpl.find('}', open);
        if (close == std::string_view::npos) break;
        out += core::escapeHtml(tpl.substr(i, open - i));
        std::string_view name = tpl.substr(open + 1, close - open - 1);
        auto it = std::find_if(values.begin(), values.end(),
                               [&](const auto& v) { return v.first == name; });
        out += it != values.end() ? core::escapeHtml(it->second)
                                  : core::escapeHtml(tpl.substr(open, close - open + 1));
        i = close + 1;
    }
    out += core::escapeHtml(tpl.substr(i));
    return out;
}

std::string profileName(Language language, std::string_view code) {
    // "National_ens" (GAR) and "National_ENS" (SDET) name the same profile (ent-identity.md §1).
    constexpr std::string_view prefix = "National_";
    if (code.size() > prefix.size() && code.substr(0, prefix.size()) == prefix) {
        std::string key = "profile.National_";
        for (char c : code.substr(prefix.size()))
            key += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        if (find(key)) return std::string(message(language, key));
    }
    return std::string(code);
}

std::string levelName(Language language, std::string_view level) {
    std::string key = "level." + std::string(level);
    if (find(key)) return std::string(message(language, key));
    return std::string(level);
}

}  // namespace sesame::portal

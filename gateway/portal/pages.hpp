#pragma once
// The portal's pages: each takes the request context and a view and gives a complete response
// (status, Content-Type: text/html; charset=utf-8, Content-Language, the lang cookie when the
// person just chose a language). Markup is accessible (RGAA 4.1 / WCAG 2.1 AA) and needs no
// script. Every page is marked authenticationPage (Cache-Control: no-store): they carry flow
// ids, CSRF tokens or personal data and are often opened on shared school computers.
#include "gateway/core/http_message.hpp"
#include "gateway/portal/views.hpp"

namespace sesame::portal {

core::HttpResponse renderChoice(const PageContext& context, const ChoiceView& view);  // 200
// 200; 401 failed; 429 throttled (Retry-After); 503 directory unavailable. The language switch
// link keeps flow and choice whatever the context's query (after a POST it is empty).
core::HttpResponse renderLogin(const PageContext& context, const LoginView& view);
core::HttpResponse renderDeny(const PageContext& context, const DenyView& view);  // 403
core::HttpResponse renderError(const PageContext& context, const ErrorView& view);
core::HttpResponse renderLoggedOut(const PageContext& context, const LoggedOutView& view);    // 200
core::HttpResponse renderSession(const PageContext& context, const SessionView& view);        // 200
core::HttpResponse renderLogoutQuestion(const PageContext& context, const LogoutView& view);  // 200
// 503 with Retry-After: the session store is down; says nothing more (no detail leaked).
core::HttpResponse renderUnavailable(const PageContext& context);

}  // namespace sesame::portal

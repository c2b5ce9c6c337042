#include "test/integration/demo_people.hpp"

#include <regex>

#include "test/support/harness_error.hpp"

namespace sesame::testing {

std::string choiceLink(const Response& page, const std::string& choiceId) {
    std::regex href("href=\"([^\"]*choice=" + choiceId + "[^\"]*)\"");
    std::smatch m;
    if (!std::regex_search(page.body, m, href))
        throw HarnessError("no link to choice '" + choiceId + "' on " + page.url + ":\n" +
                           textContent(page.body));
    return resolveUrl(page.url, decodeEntities(m[1].str()));
}

Response loginForm(Browser& browser, const Response& portalPage, const std::string& choiceId) {
    if (findForm(portalPage.body, "/login") &&
        portalPage.body.find("name=\"password\"") != std::string::npos)
        return portalPage;
    return browser.get(choiceLink(portalPage, choiceId));
}

Response logIn(Browser& browser, const Response& portalPage, const DemoPerson& person,
               const std::string& password, bool followRedirects) {
    auto page = loginForm(browser, portalPage, person.choice);
    auto form = findForm(page.body, "/login");
    if (!form) throw HarnessError("no login form on " + page.url + ":\n" + textContent(page.body));
    form->set("login", person.login).set("password", password);
    auto posted = browser.post(resolveUrl(page.url, form->action), form->fields);
    return followRedirects ? browser.follow(posted, 10) : posted;
}

}  // namespace sesame::testing

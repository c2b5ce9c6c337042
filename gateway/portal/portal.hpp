#pragma once
// sesame::portal in one include: languages, the message catalogue, the `portal:` configuration,
// the page views and renderers, and the stylesheet.
#include "gateway/portal/catalogue.hpp"
#include "gateway/portal/language.hpp"
#include "gateway/portal/pages.hpp"
#include "gateway/portal/portal_config.hpp"
#include "gateway/portal/stylesheet.hpp"
#include "gateway/portal/views.hpp"

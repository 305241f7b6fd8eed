#pragma once
// Surveys (民意调查) for admins: create, list, add questions, activate, results (routes_surveys.cpp).
#include "hotline/api/api.hpp"

namespace hotline::api {

void add_survey_routes(Router& router, Api& api);

}  // namespace hotline::api

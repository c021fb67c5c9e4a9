//! `POST /oauth/token` in the document: the OAuth 2.0 client credentials grant (RFC 6749
//! §4.4), its form body, its token response (§5.1) and its error responses (§5.2).
use serde_json::json;
use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::path::{HttpMethod, OperationBuilder, Paths};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Required};

use super::types::{JSON, integer, object, one_of, string};

/// Name of the HTTP Basic scheme OAuth clients authenticate with (RFC 6749 §2.3.1).
pub const CLIENT_BASIC: &str = "oauthClient";
const FORM: &str = "application/x-www-form-urlencoded";

pub fn add_security_scheme(components: &mut utoipa::openapi::Components) {
    components.security_schemes.insert(
        CLIENT_BASIC.to_owned(),
        SecurityScheme::Http(
            Http::builder()
                .scheme(HttpAuthScheme::Basic)
                .description(Some(
                    "An OAuth client from `scimd client create --tenant NAME`: the client id as \
                     user name and the client secret as password (RFC 6749 §2.3.1).",
                ))
                .build(),
        )
        .into(),
    );
}

pub fn add_paths(paths: &mut Paths) {
    let form = object()
        .property(
            "grant_type",
            one_of(&["client_credentials"]).description(Some("Always `client_credentials`.")),
        )
        .required("grant_type")
        .property(
            "client_id",
            string().description(Some("The client id, when not sent with HTTP Basic.")),
        )
        .property(
            "client_secret",
            string().description(Some("The client secret, when not sent with HTTP Basic.")),
        )
        .property(
            "scope",
            string().description(Some(
                "Accepted and ignored: a token grants the tenant's SCIM API.",
            )),
        );
    let token = object()
        .property(
            "access_token",
            string().description(Some("A JWT; send it as `Authorization: Bearer <token>`.")),
        )
        .required("access_token")
        .property("token_type", one_of(&["Bearer"]))
        .required("token_type")
        .property(
            "expires_in",
            integer().description(Some(
                "Seconds until the token expires (`SCIMD_OAUTH_TOKEN_TTL`).",
            )),
        )
        .required("expires_in");
    let no_store = || {
        HeaderBuilder::new()
            .schema(Some(string()))
            .description(Some(
                "`no-store`: token responses are never cached (RFC 6749 §5.1).",
            ))
            .build()
    };
    let error = |description: &str, codes: &[&str], example: serde_json::Value| {
        ResponseBuilder::new()
            .description(description)
            .header("Cache-Control", no_store())
            .content(
                JSON,
                ContentBuilder::new()
                    .schema(Some(
                        object()
                            .property("error", one_of(codes))
                            .required("error")
                            .property("error_description", string())
                            .build(),
                    ))
                    .example(Some(example))
                    .build(),
            )
    };
    paths.add_path_operation(
        "/oauth/token",
        vec![HttpMethod::Post],
        OperationBuilder::new()
            .tag("OAuth")
            .operation_id(Some("oauthToken"))
            .summary(Some("Get an access token (client credentials grant)"))
            .description(Some(
                "RFC 6749 §4.4 for IdPs that provision through an OAuth client. Authenticate \
                 the client with HTTP Basic (preferred) or `client_id` and `client_secret` in \
                 the body, never both. The access token is a short-lived JWT for the client's \
                 tenant; it stops working at once when the client is revoked.",
            ))
            .security(SecurityRequirement::new(CLIENT_BASIC, Vec::<String>::new()))
            .security(SecurityRequirement::default())
            .request_body(Some(
                RequestBodyBuilder::new()
                    .required(Some(Required::True))
                    .content(FORM, ContentBuilder::new().schema(Some(form.build())).build())
                    .build(),
            ))
            .response(
                "200",
                ResponseBuilder::new()
                    .description("The access token")
                    .header("Cache-Control", no_store())
                    .content(
                        JSON,
                        ContentBuilder::new()
                            .schema(Some(token.build()))
                            .example(Some(json!({
                                "access_token": "eyJhbGciOiJIUzI1NiIsImtpZCI6Ii4uLiJ9.eyJpc3MiOiJ1cm46c2NpbWQ6b2F1dGgifQ.c2lnbmF0dXJl",
                                "token_type": "Bearer",
                                "expires_in": 3600
                            })))
                            .build(),
                    ),
            )
            .response(
                "400",
                error(
                    "A missing, repeated or unsupported parameter, or a body that is not a form",
                    &["invalid_request", "unsupported_grant_type"],
                    json!({"error": "unsupported_grant_type",
                           "error_description": "scimd supports only grant_type=client_credentials"}),
                ),
            )
            .response(
                "401",
                error(
                    "The client is unknown or revoked, its secret is wrong, or it did not \
                     authenticate; with `WWW-Authenticate: Basic`",
                    &["invalid_client"],
                    json!({"error": "invalid_client",
                           "error_description": "the client id or secret is wrong, or the client was revoked"}),
                ),
            )
            .response(
                "500",
                error(
                    "The token could not be issued (the database did not answer)",
                    &["server_error"],
                    json!({"error": "server_error",
                           "error_description": "the token could not be issued; try again"}),
                ),
            ),
    );
}

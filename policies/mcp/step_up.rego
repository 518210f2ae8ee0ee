# Step-up authentication for high-risk actions (RFC 9470; seed 003's Duo MFA).
#   A high-risk request (step_up_risks) needs an authentication of at least
#   data.mcp.step_up.required_acr (levels: data.mcp.step_up.acr_levels, the same
#   ACR-to-level map the Keycloak realm has, or amr_levels for the RFC 8176 methods
#   the realm's amr mapper and the dev IdP name) that is at most
#   data.mcp.step_up.max_age_seconds old. The server puts the token's acr, amr,
#   auth_time and auth_age_seconds (now - auth_time) in input.subject. A weaker
#   or older authentication adds a deny reason; when that is the ONLY reason,
#   the decision also carries step_up = {acr_values, max_age}, and the server
#   answers with the RFC 9470 challenge (insufficient_user_authentication)
#   instead of a bare deny. Same package as authz.rego.
package mcp.authz

step_up_required_acr := data.mcp.step_up.required_acr

step_up_max_age_seconds := data.mcp.step_up.max_age_seconds

# --- what is high-risk (each names itself in the deny reason)

step_up_risks contains "deploying to CORE devices" if {
	input.server == "network"
	input.tool in data.mcp.step_up.core_deploy_tools
	count(core_devices(request_resource)) > 0
}

step_up_risks contains "approving a change request" if {
	input.server == "itsm"
	itsm_is_approval(input)
}

step_up_risks contains "approving a deployment" if {
	input.server == "network"
	input.tool in data.mcp.step_up.deployment_approval_tools
}

step_up_risks contains "writing to GitHub" if github_write(input)

# --- how strong and how recent the caller's authentication is

# The level of an ACR value; 0 for an unknown or missing one.
acr_level(acr) := level if {
	is_string(acr)
	level := data.mcp.step_up.acr_levels[acr]
}

# The level an RFC 8176 method reference (an `amr` entry) proves; 0 for an unknown one.
amr_level(method) := level if {
	is_string(method)
	level := data.mcp.step_up.amr_levels[method]
}

# The caller's authentication level: its acr's or its strongest method's (amr), whichever is
# higher; 0 when neither is known. Both, because Keycloak's standard token exchange recomputes acr
# for the exchanging client (level 1) but keeps amr and auth_time: a token the gateway or the REST
# proxy exchanged after an OTP login says acr "pwd", amr ["pwd", "otp"]. The age check below applies
# to either (auth_time is the last login; the realm's OTP reference has the same 900 s max age).
authentication_level(subject) := max(levels) if {
	by_acr := {l | l := acr_level(subject.acr)}
	by_amr := {l | some m in amr_methods(subject); l := amr_level(m)}
	levels := ({0} | by_acr) | by_amr
}

amr_methods(subject) := subject.amr if is_array(subject.amr)

else := []

strong_authentication(subject) if {
	authentication_level(subject) >= acr_level(step_up_required_acr)
	is_number(subject.auth_age_seconds)
	subject.auth_age_seconds <= step_up_max_age_seconds
}

step_up_reason := concat("", [
	"step-up authentication required (",
	concat(", ", sort(step_up_risks)),
	"): authenticate with acr ",
	step_up_required_acr,
	" within the last ",
	format_int(step_up_max_age_seconds, 10),
	" s",
])

deny_reasons contains step_up_reason if {
	count(step_up_risks) > 0
	not strong_authentication(input.subject)
}

# The RFC 9470 challenge parameters, only when a stronger authentication is all that is missing.
default step_up_demand := {}

step_up_demand := {"step_up": {"acr_values": [step_up_required_acr], "max_age": step_up_max_age_seconds}} if {
	count(step_up_risks) > 0
	not strong_authentication(input.subject)
	deny_reasons == {step_up_reason}
}

# Decision-log masking (OPA's system.log.mask): what OPA writes for every decision it logs.
# Tool arguments carry whatever a user typed or pasted (file contents, work notes, anything secret
# pasted by mistake), so they never reach a decision log: the whole `input.arguments` is erased.
# `input` here is the decision-log event; the policy input is `input.input`.
package system.log

# The masked paths (JSON pointers into the decision-log event).
mask contains "/input/arguments"

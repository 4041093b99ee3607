; KMS property extraction (src/kms/parse.rs). One query over a file (or over a function-like
; macro body re-parsed as a function): function definitions and macro definitions give the
; scopes; calls, assignments, initialised declarators and returns are the events the resolver
; follows (property creation, where the result is stored, enum values, attachment to objects).

(function_definition) @function

(preproc_function_def
  name: (identifier) @macro.name
  parameters: (preproc_params) @macro.params
  value: (preproc_arg) @macro.body) @macro

(call_expression
  function: (identifier) @call.fn
  arguments: (argument_list) @call.args) @call

(assignment_expression
  left: (_) @assign.lhs
  right: (_) @assign.rhs) @assign

(init_declarator
  declarator: (_) @init.decl
  value: (_) @init.value) @init

(return_statement
  (_) @return.value) @return

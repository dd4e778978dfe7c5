"""`wavec deploy`: plan and apply a deployment bundle through CloudFormation change sets.

``aws`` (sessions per account and region, errors in words), ``words`` (a diff of two pipeline declarations in
words), ``stacks`` (one stack: read, change set, apply, failure from its events), ``plan`` (the plan and how it
is shown), ``alarms`` (the alarms the gates read must exist), ``engine`` (the plan of a whole bundle, applying it in
manifest order, destroying it). boto3 is imported only
when a deploy talks to AWS.
"""

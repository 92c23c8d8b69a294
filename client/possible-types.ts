
      export type PossibleTypesResultData = {
  "possibleTypes": {
    "CreateCustomerPayload": [
      "CreateCustomerSuccess",
      "CustomerInputError",
      "SalesBinderAuthError",
      "SalesBinderPermissionError",
      "SalesBinderRateLimitError",
      "SalesBinderUnavailableError"
    ],
    "DeleteCustomerPayload": [
      "CustomerConflictError",
      "CustomerNotFoundError",
      "DeleteCustomerSuccess",
      "SalesBinderAuthError",
      "SalesBinderPermissionError",
      "SalesBinderRateLimitError",
      "SalesBinderUnavailableError"
    ],
    "SalesBinderError": [
      "CustomerConflictError",
      "CustomerInputError",
      "CustomerNotFoundError",
      "SalesBinderAuthError",
      "SalesBinderPermissionError",
      "SalesBinderRateLimitError",
      "SalesBinderUnavailableError"
    ],
    "UpdateCustomerPayload": [
      "CustomerConflictError",
      "CustomerInputError",
      "CustomerNotFoundError",
      "SalesBinderAuthError",
      "SalesBinderPermissionError",
      "SalesBinderRateLimitError",
      "SalesBinderUnavailableError",
      "UpdateCustomerSuccess"
    ]
  }
};
      const result: PossibleTypesResultData = {
  "possibleTypes": {
    "CreateCustomerPayload": [
      "CreateCustomerSuccess",
      "CustomerInputError",
      "SalesBinderAuthError",
      "SalesBinderPermissionError",
      "SalesBinderRateLimitError",
      "SalesBinderUnavailableError"
    ],
    "DeleteCustomerPayload": [
      "CustomerConflictError",
      "CustomerNotFoundError",
      "DeleteCustomerSuccess",
      "SalesBinderAuthError",
      "SalesBinderPermissionError",
      "SalesBinderRateLimitError",
      "SalesBinderUnavailableError"
    ],
    "SalesBinderError": [
      "CustomerConflictError",
      "CustomerInputError",
      "CustomerNotFoundError",
      "SalesBinderAuthError",
      "SalesBinderPermissionError",
      "SalesBinderRateLimitError",
      "SalesBinderUnavailableError"
    ],
    "UpdateCustomerPayload": [
      "CustomerConflictError",
      "CustomerInputError",
      "CustomerNotFoundError",
      "SalesBinderAuthError",
      "SalesBinderPermissionError",
      "SalesBinderRateLimitError",
      "SalesBinderUnavailableError",
      "UpdateCustomerSuccess"
    ]
  }
};
      export default result;
    
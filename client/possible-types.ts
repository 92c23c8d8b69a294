
      export type PossibleTypesResultData = {
  "possibleTypes": {
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
    
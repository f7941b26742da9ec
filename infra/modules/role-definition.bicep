// The custom role galleryflow runs with: exactly the ARM actions its gateway declares
// (galleryflow.azure.actions.ARM_ACTIONS, mirrored in ../role-actions.json and compared by
// tests/infra). Created at subscription scope, assignable only where it is needed.
targetScope = 'subscription'

@description('Display name of the custom role (unique in the tenant).')
param roleName string

@description('Resource-group ids where the role may be assigned.')
param assignableScopes array

var actions = loadJsonContent('../role-actions.json', '$.actions')

resource role 'Microsoft.Authorization/roleDefinitions@2022-04-01' = {
  name: guid(subscription().id, roleName)
  properties: {
    roleName: roleName
    description: 'galleryflow: capture VMs into Azure Compute Gallery image versions, replicate, promote, prune and roll back.'
    type: 'CustomRole'
    permissions: [
      {
        actions: actions
        notActions: []
        dataActions: []
        notDataActions: []
      }
    ]
    assignableScopes: assignableScopes
  }
}

output id string = role.id

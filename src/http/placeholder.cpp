namespace scriptmesh::http {}

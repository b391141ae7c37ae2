package api

import (
	"context"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
	commonpb "go.temporal.io/api/common/v1"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"google.golang.org/grpc"
)

// pagedRuns is a Temporal client whose visibility lists a workflow's runs
// over several pages and which records every run deleted. Every other
// method is the nil embedded interface's: calling one panics.
type pagedRuns struct {
	client.Client
	pages   [][]string // run ids, one slice per page
	tokens  [][]byte   // the page tokens asked for, in order
	deleted []string
}

// runDeleter is pagedRuns' workflow service: it records deletions.
type runDeleter struct {
	workflowservice.WorkflowServiceClient
	f *pagedRuns
}

func (f *pagedRuns) ListWorkflow(_ context.Context, req *workflowservice.ListWorkflowExecutionsRequest) (*workflowservice.ListWorkflowExecutionsResponse, error) {
	f.tokens = append(f.tokens, req.GetNextPageToken())
	page := 0
	if t := req.GetNextPageToken(); len(t) > 0 {
		page = int(t[0])
	}
	resp := &workflowservice.ListWorkflowExecutionsResponse{}
	for _, run := range f.pages[page] {
		resp.Executions = append(resp.Executions, &workflowpb.WorkflowExecutionInfo{
			Execution: &commonpb.WorkflowExecution{WorkflowId: "cb", RunId: run}})
	}
	if page+1 < len(f.pages) {
		resp.NextPageToken = []byte{byte(page + 1)}
	}
	return resp, nil
}

func (f *pagedRuns) WorkflowService() workflowservice.WorkflowServiceClient { return runDeleter{f: f} }

func (d runDeleter) DeleteWorkflowExecution(_ context.Context, req *workflowservice.DeleteWorkflowExecutionRequest, _ ...grpc.CallOption) (*workflowservice.DeleteWorkflowExecutionResponse, error) {
	d.f.deleted = append(d.f.deleted, req.GetWorkflowExecution().GetRunId())
	return &workflowservice.DeleteWorkflowExecutionResponse{}, nil
}

// TestDeleteExecutionsFollowsEveryPage: a callback whose runs fill more
// than one visibility page has every run deleted, not only the first
// page's (issue 14 D).
func TestDeleteExecutionsFollowsEveryPage(t *testing.T) {
	f := &pagedRuns{pages: [][]string{{"run-1", "run-2"}, {"run-3"}, {"run-4", "run-5"}}}
	s := &Server{Temporal: f, Namespace: "default"}
	require.NoError(t, s.deleteExecutions(context.Background(), "cb"))
	want := []string{"", "run-1", "run-2", "run-3", "run-4", "run-5"}
	slices.Sort(f.deleted)
	require.Equal(t, want, f.deleted, "the current run and every listed run are deleted")
	require.Equal(t, [][]byte{nil, {1}, {2}}, f.tokens, "each page is asked for with the previous page's token")
}

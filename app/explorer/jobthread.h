#pragma once
// The worker thread of a latest-wins controller (GradientController,
// PopulationController, SetPopulation, CompareStatistics, SliceController):
// the job's work runs on a thread the job owns, and its end is passed back to
// the controller on the controller's (GUI) thread, unless the controller is
// gone. The controller joins the thread in `finish` (or in its destructor).

#include <QMetaObject>
#include <QPointer>

#include <memory>
#include <thread>
#include <utility>

namespace rnnloss {

/// Starts `work()` on `job->thread`; then `(owner->*finish)(job)` on the
/// owner's thread, through its event loop, if the owner still exists.
template <class Owner, class Job, class Work>
void startJobThread(Owner* owner, const std::shared_ptr<Job>& job,
                    void (Owner::*finish)(const std::shared_ptr<Job>&), Work work)
{
    QPointer<Owner> self(owner);
    job->thread = std::thread([self, job, finish, work = std::move(work)]() mutable {
        work();
        QMetaObject::invokeMethod(
            self,
            [self, job, finish] {
                if (self)
                    (self.data()->*finish)(job);
            },
            Qt::QueuedConnection);
    });
}

} // namespace rnnloss
